"""`newsdesk mirror DIR --watch`: keep the mirror current from the purge log, in its own process.

On the embedded default every purge is one line of keys in the purge log (NEWSDESK_PURGE_LOG,
appended by whoever purges: core/pagecache.py). The watcher reads the lines written since the
mirror last read, and applies their keys as the task workers would (build.Mirror.keys_purged).
Where it stopped is kept in the mirror's index, so a restart carries on from there; an export
records the log's position when it starts, so what is purged during an export is applied after
it. The log is replaced when it grows past a few MB: the watcher reads what the old one still
holds before it moves on, and a log replaced while no watcher ran (lines nobody read) means a
full export.

With Redis there is no purge log (the marks live in Redis): set NEWSDESK_MIRROR_DIR instead, and
the task workers keep the mirror current.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)


def purge_log_position() -> str | None:
    """Where the purge log ends now ("inode:offset"), or None without a purge log."""
    path = settings.NEWSDESK_PURGE_LOG
    if not path:
        return None
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return "0:0"
    return f"{stat.st_ino}:{stat.st_size}"


class LogWatcher:
    def __init__(self, mirror, path: Path | str):
        self.mirror = mirror
        self.path = Path(path)
        self._file = None
        self._inode = 0
        self._offset = 0

    def _open(self) -> bool:
        try:
            handle = open(self.path, "rb")  # noqa: SIM115 - kept open across polls
        except FileNotFoundError:
            return False
        inode = os.fstat(handle.fileno()).st_ino
        stored = self.mirror.index.meta("purge_log") or "0:0"
        stored_inode, _, stored_offset = stored.partition(":")
        if int(stored_inode) == inode:
            offset = int(stored_offset)
        elif int(stored_inode) == 0:
            offset = 0  # the log began after the mirror last read: all of it is new
        else:
            logger.warning(
                "The purge log was replaced while no one kept the mirror in %s current: "
                "exporting it again.",
                self.mirror.folder,
            )
            handle.close()
            self.mirror.export(detail=False)
            return self._open_at_end()
        self._file, self._inode, self._offset = handle, inode, offset
        return True

    def _open_at_end(self) -> bool:
        position = self.mirror.index.meta("purge_log") or "0:0"
        try:
            handle = open(self.path, "rb")  # noqa: SIM115
        except FileNotFoundError:
            return False
        inode = os.fstat(handle.fileno()).st_ino
        inode_then, _, offset = position.partition(":")
        self._file, self._inode = handle, inode
        self._offset = int(offset) if int(inode_then) == inode else 0
        return True

    def poll(self) -> int:
        """Apply the purges logged since the last poll; the number of log lines read."""
        if self._file is None and not self._open():
            return 0
        lines = self._read()
        try:
            replaced = os.stat(self.path).st_ino != self._inode
        except FileNotFoundError:
            replaced = True
        if replaced:
            lines += self._read()  # written to the old log just before it was replaced
            self._file.close()
            self._file, self._inode, self._offset = None, 0, 0  # a new log: all of it is new
            if self._open_new():
                lines += self._read()
        return self._apply(lines)

    def _open_new(self) -> bool:
        try:
            handle = open(self.path, "rb")  # noqa: SIM115
        except FileNotFoundError:
            return False
        self._file, self._inode, self._offset = handle, os.fstat(handle.fileno()).st_ino, 0
        return True

    def _read(self) -> list[bytes]:
        self._file.seek(self._offset)
        data = self._file.read()
        complete = data.rfind(b"\n") + 1  # a line still being written waits for the next poll
        self._offset += complete
        return data[:complete].splitlines()

    def _apply(self, lines: list[bytes]) -> int:
        keys = {key for line in lines for key in line.decode().split()}
        if keys:
            self.mirror.keys_purged(keys)  # an error leaves the keys pending in the mirror
        self._remember()
        return len(lines)

    def _remember(self) -> None:
        self.mirror.index.meta_set(purge_log=f"{self._inode}:{self._offset}")

    def run(self, *, interval: float = 1.0, stop: threading.Event | None = None) -> None:
        stop = stop or threading.Event()
        while not stop.is_set():
            self.poll()
            stop.wait(interval)
