"""The origin's own page cache: public pages kept whole, by address, and purged by key.

`PageCache` wraps the WSGI application (config/wsgi.py). An anonymous GET whose response says
it may be shared (`Cache-Control: public` with `s-maxage`, a `Surrogate-Key` header, no
cookie set, no `Vary: Cookie`) is kept for its s-maxage; the next request for the same address
is answered from it before Django runs, with a 304 when the reader's `If-None-Match` matches.
A request that carries a session cookie always goes to Django.

Purges are exact (core/purge.py): each kept page remembers the purge mark current when its
rendering began and the keys it shows; it is served only while none of its keys has been purged
since that mark. A purge that races with a rendering therefore always wins. Marks live where
every process that serves pages sees them:

- with Redis (several servers), in the shared cache: a purge sequence number and, per key, the
  number of its last purge;
- on the embedded default, where each process keeps its pages in its own memory, in a purge
  log in the data folder: one line per purge, appended by whoever purges (the task worker),
  read by each web process from where it last stopped (a stat per request; a read only when
  the log has grown).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import caches

logger = logging.getLogger(__name__)

CACHE_ALIAS = "pages"
ENTRY_PREFIX = "newsdesk:page:"
MAX_BODY = 4 * 1024 * 1024
KEPT_STATUSES = ("200", "301", "404", "410")


@dataclass(frozen=True)
class Entry:
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    stored: float
    ttl: int
    keys: tuple[str, ...]
    mark: int
    etag: str | None


class PurgeLog:
    """Purge marks for processes on one machine, through an append-only file."""

    ROTATE_BYTES = 4 * 1024 * 1024

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._inode: int | None = None
        self._offset = 0
        self._seq = 0  # lines read by this process: the local purge sequence
        self._floor = 0  # pages marked before this were kept before a rotation: none is served
        self._purged: dict[str, int] = {}
        # Exists from the start, so that a log rotated before this process first read it is
        # still seen as a new log.
        os.close(os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600))

    def mark(self) -> int:
        self._sync()
        return self._seq

    def purged_since(self, keys: Iterable[str], mark: int) -> bool:
        self._sync()
        if mark < self._floor:
            return True
        purged = self._purged
        return any(purged.get(key, 0) > mark for key in keys)

    def purge(self, keys: list[str]) -> None:
        line = (" ".join(keys) + "\n").encode()
        self._append(line)
        try:
            if self.path.stat().st_size > self.ROTATE_BYTES:
                self._rotate()
        except FileNotFoundError:
            pass

    def _append(self, line: bytes) -> None:
        # One write of one line with O_APPEND: lines from several writers never interleave.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
            written_inode = os.fstat(fd).st_ino
        finally:
            os.close(fd)
        try:
            if self.path.stat().st_ino != written_inode:
                self._append(line)  # rotated meanwhile: the line goes into the new log too
        except FileNotFoundError:
            self._append(line)

    def _rotate(self) -> None:
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.new")
        temporary.write_bytes(b"")
        os.replace(temporary, self.path)

    def _sync(self) -> None:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return
        if stat.st_ino == self._inode and stat.st_size == self._offset:
            return
        with self._lock:
            if stat.st_ino != self._inode or stat.st_size < self._offset:
                # A new log: what the old one said after we last read it is unknown.
                if self._inode is not None:
                    self._seq += 1
                    self._floor = self._seq
                self._inode, self._offset = stat.st_ino, 0
            with open(self.path, "rb") as log:
                log.seek(self._offset)
                data = log.read()
            complete = data.rfind(b"\n") + 1  # a line still being written waits for next time
            for line in data[:complete].splitlines():
                self._seq += 1
                for key in line.decode().split():
                    self._purged[key] = self._seq
            self._offset += complete


class SharedMarks:
    """Purge marks in the shared cache (Redis), seen by every server."""

    SEQ_KEY = "newsdesk:purge-seq"
    KEY_PREFIX = "newsdesk:purged:"
    KEEP = 7 * 86_400  # longer than any page is kept

    def __init__(self, cache):
        self.cache = cache

    def mark(self) -> int:
        return self.cache.get(self.SEQ_KEY) or 0

    def purged_since(self, keys: Iterable[str], mark: int) -> bool:
        found = self.cache.get_many([self.KEY_PREFIX + key for key in keys])
        return any(seq > mark for seq in found.values())

    def purge(self, keys: list[str]) -> None:
        try:
            seq = self.cache.incr(self.SEQ_KEY)
        except ValueError:
            self.cache.add(self.SEQ_KEY, 0, timeout=None)
            seq = self.cache.incr(self.SEQ_KEY)
        self.cache.set_many({self.KEY_PREFIX + key: seq for key in keys}, timeout=self.KEEP)


_marks: PurgeLog | SharedMarks | None = None


def marks() -> PurgeLog | SharedMarks:
    global _marks
    if _marks is None:
        path = settings.NEWSDESK_PURGE_LOG
        _marks = PurgeLog(path) if path else SharedMarks(caches[CACHE_ALIAS])
    return _marks


def purge(keys: list[str]) -> None:
    """Every kept page showing one of `keys` is served no more, in every process."""
    marks().purge(list(keys))


def _entry_key(environ) -> str:
    address = "{}://{}{}?{}".format(
        environ.get("wsgi.url_scheme", "http"),
        environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
    )
    return ENTRY_PREFIX + hashlib.blake2b(address.encode(), digest_size=16).hexdigest()


def _keepable(status: str, headers: list[tuple[str, str]]) -> tuple[int, tuple[str, ...]] | None:
    """(seconds, keys) when a shared cache may keep this response, else None."""
    if status[:3] not in KEPT_STATUSES:
        return None
    cache_control = keys = None
    for name, value in headers:
        lower = name.lower()
        if lower == "set-cookie":
            return None
        if lower == "vary" and ("cookie" in value.lower() or "*" in value):
            return None
        if lower == "cache-control":
            cache_control = value.lower()
        elif lower == "surrogate-key":
            keys = tuple(value.split())
    if not cache_control or not keys or "public" not in cache_control:
        return None
    if "private" in cache_control or "no-store" in cache_control:
        return None
    for directive in cache_control.split(","):
        name, _, value = directive.strip().partition("=")
        if name == "s-maxage" and value.isdigit() and int(value) > 0:
            return int(value), keys
    return None


class PageCache:
    """WSGI middleware: answer what is kept, keep what may be kept."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD") or settings.SESSION_COOKIE_NAME in environ.get(
            "HTTP_COOKIE", ""
        ):
            return self.app(environ, start_response)
        cache = caches[CACHE_ALIAS]
        key = _entry_key(environ)
        started = time.perf_counter()
        entry = cache.get(key)
        if entry is not None:
            now = time.time()
            if now - entry.stored < entry.ttl and not marks().purged_since(entry.keys, entry.mark):
                return self._answer(environ, start_response, entry, now, started)
            cache.delete(key)
        mark = marks().mark()
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        body = self.app(environ, capture)
        keepable = method == "GET" and _keepable(captured["status"], captured["headers"])
        if not keepable:
            return body
        try:
            content = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        if len(content) <= MAX_BODY:
            ttl, keys = keepable
            headers = [(n, v) for n, v in captured["headers"] if n.lower() != "server-timing"]
            etag = next((v for n, v in headers if n.lower() == "etag"), None)
            entry = Entry(captured["status"], headers, content, time.time(), ttl, keys, mark, etag)
            cache.set(key, entry, ttl)
        return [content]

    def _answer(self, environ, start_response, entry: Entry, now: float, started: float):
        age = str(int(now - entry.stored))
        timing = f"app;dur={(time.perf_counter() - started) * 1000:.2f};desc=page-cache"
        extra = [("Age", age), ("X-Page-Cache", "hit"), ("Server-Timing", timing)]
        if entry.etag and entry.etag in environ.get("HTTP_IF_NONE_MATCH", ""):
            kept = {"cache-control", "etag", "surrogate-key", "vary", "content-language"}
            headers = [(n, v) for n, v in entry.headers if n.lower() in kept]
            start_response("304 Not Modified", headers + extra)
            return [b""]
        start_response(entry.status, entry.headers + extra)
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [entry.body]
