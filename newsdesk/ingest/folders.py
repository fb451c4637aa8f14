"""Drop folders are confined to the roots the operator configured (NEWSDESK_INGEST_FOLDER_ROOTS).

A folder's path is resolved (every symbolic link followed) before it is compared with the
resolved roots, so a link inside a root that leads elsewhere is outside. Each file is resolved
again when it is read and must lie inside its folder: a file that is a link to /etc/... is
not read. Only a source an administrator marked "may read a folder outside the drop-folder
roots" reads a folder elsewhere, and even then only the files inside that folder.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext

from .fetch import FetchRefused
from .parsers.capture import ParseError


class FolderRefused(FetchRefused):
    """The folder is not one this source may read; the message says why and what to do."""


def folder_roots() -> list[Path]:
    return [Path(root).expanduser().resolve() for root in settings.NEWSDESK_INGEST_FOLDER_ROOTS]


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or path.is_relative_to(folder)


def folder_resolve(path: str, *, allow_outside: bool = False) -> Path:
    """The real path of a drop folder, or FolderRefused when it is outside every root.

    A folder that does not exist yet is judged by where it would be.
    """
    if not path:
        raise FolderRefused(gettext("A drop folder needs the folder's path on the server."))
    given = Path(path)
    if not given.is_absolute():
        example = (folder_roots() or [Path("/srv/newsdesk/drop")])[0] / "agency"
        raise FolderRefused(
            gettext(
                "The folder %(path)s is not a full path; give it from the root, e.g. %(example)s."
            )
            % {"path": repr(path), "example": example}
        )
    real = given.resolve()
    if allow_outside:
        return real
    roots = folder_roots()
    if any(_inside(real, root) for root in roots):
        return real
    leads = (
        gettext(" (it leads to %(real)s)") % {"real": real}
        if str(real) != os.path.normpath(path)
        else ""
    )
    where = ", ".join(str(root) for root in roots) or gettext("none are configured")
    raise FolderRefused(
        gettext(
            "The folder %(path)s%(leads)s is outside the drop-folder roots (%(roots)s). Use a "
            "folder inside one of them (NEWSDESK_INGEST_FOLDER_ROOTS); only an administrator "
            "may let a source read a folder elsewhere."
        )
        % {"path": path, "leads": leads, "roots": where}
    )


def folder_file_read(path: Path, *, folder: Path, max_bytes: int) -> bytes:
    """The bytes of one file of `folder` (a resolved path), refused if it leads outside it."""
    real = path.resolve(strict=True)
    if not _inside(real, folder) or real == folder:
        raise ParseError("the file is a link to somewhere outside the drop folder; not read.")
    # O_NOFOLLOW: a link swapped in after the check is not followed; O_NONBLOCK: a named pipe
    # does not hang the poll (it is refused below as not a regular file).
    fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ParseError("not a regular file; not read.")
        if info.st_size > max_bytes:
            raise ParseError(f"the file is {info.st_size:,} bytes; at most {max_bytes:,} are read.")
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ParseError(f"the file is larger than {max_bytes:,} bytes; not read.")
    return data
