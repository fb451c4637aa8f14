"""Our gettext catalogues: one folder, locale/ at the root of the repository, for every app and
template (settings.LOCALE_PATHS). `make messages` (`newsdesk messages`) extracts the strings of
the current sources into locale/<language>/LC_MESSAGES/django.po and compiles the .mo files, which
are committed so that a fresh clone shows its language without GNU gettext. The suite checks that
every string has a translation (newsdesk/core/tests/test_messages.py).

Extraction needs GNU gettext (xgettext, msgmerge, msgfmt: Debian package gettext)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.test.utils import override_settings

# The languages we translate into (English is the source).
TRANSLATED = ("fa", "ar")
# Where no string a reader or editor sees lives.
IGNORED = [
    ".venv",
    "var",
    "*/tests/*",
    "*/migrations/*",
    "bench",
    "docs",
    "scripts",
    "deploy",
    "*.egg-info",
    "locale",
]
# The folders whose files hold strings, below the repository's root.
SOURCES = ("newsdesk", "templates", "config")
COMMAND = "make messages (or: .venv/bin/newsdesk messages)"


def root() -> Path:
    return Path(settings.BASE_DIR)


def catalogue(language: str, base: Path | None = None, suffix: str = "po") -> Path:
    return (base or root() / "locale") / language / "LC_MESSAGES" / f"django.{suffix}"


def _makemessages(verbosity: int = 0) -> None:
    call_command(
        "makemessages",
        locale=list(TRANSLATED),
        ignore_patterns=IGNORED,
        symlinks=True,
        no_obsolete=True,
        verbosity=verbosity,
    )


def messages_update(*, verbosity: int = 1) -> None:
    """Bring the catalogues in line with the sources, then compile them."""
    here = os.getcwd()
    os.chdir(root())
    try:
        _makemessages(verbosity)
        call_command(
            "compilemessages",
            locale=list(TRANSLATED),
            ignore_patterns=IGNORED[:-1],
            verbosity=verbosity,
        )
    finally:
        os.chdir(here)


def messages_extract(scratch: Path) -> Path:
    """The catalogues as `make messages` would leave them, made in `scratch` (the sources are
    linked there, the catalogues copied): the repository is not touched. Returns the locale
    folder in `scratch`."""
    for name in SOURCES:
        (scratch / name).symlink_to(root() / name, target_is_directory=True)
    locale = scratch / "locale"
    shutil.copytree(root() / "locale", locale)
    here = os.getcwd()
    os.chdir(scratch)
    try:
        with override_settings(LOCALE_PATHS=[locale]):
            _makemessages()
    finally:
        os.chdir(here)
    return locale
