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
  number of its last purge. While Redis does not answer nothing is kept (core/cache.py), and a
  purge that could not be marked is kept as a task until Redis answers again (core/purge.py);
- on the embedded default, where each process keeps its pages in its own memory, in a purge
  log in the data folder: one line per purge, appended by whoever purges (the task worker),
  read by each web process from where it last stopped (a stat per request; a read only when
  the log has grown).

On the embedded default the pages are kept by `LiveCache`, a cache backend that keeps the
`Entry` objects themselves: a hit hands out the kept object, with no unpickling and no copy of
the body, which is most of what a hit cost through Django's LocMemCache.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

logger = logging.getLogger(__name__)

CACHE_ALIAS = "pages"
ENTRY_PREFIX = "newsdesk:page:"
KEPT_PREFIX = "newsdesk:kept:"
T = TypeVar("T")
MAX_BODY = 4 * 1024 * 1024
KEPT_STATUSES = ("200", "301", "404", "410")
# Set in the WSGI environ of each GET or HEAD the page cache looked up: True when it answered.
ANSWERED = "newsdesk.page_cache.hit"


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

    @property
    def nbytes(self) -> int:
        """What it holds in memory, near enough: its body and its headers' text."""
        return len(self.body) + sum(len(n) + len(v) for n, v in self.headers) + ENTRY_OVERHEAD


# An Entry's own objects (the dataclass, its tuples and strings) beside its body and headers.
ENTRY_OVERHEAD = 1024


def weight(value) -> int:
    """The bytes a value kept by LiveCache counts for: a page's `nbytes`, a bytes' length,
    else the object's own size (sys.getsizeof: small values such as the navigation's)."""
    if isinstance(value, bytes | bytearray | memoryview):
        return len(value)
    nbytes = getattr(value, "nbytes", None)
    return nbytes if isinstance(nbytes, int) else sys.getsizeof(value)


class _Store:
    """The entries of one LOCATION, oldest use first, and the bytes they count for."""

    def __init__(self):
        self.entries: OrderedDict = OrderedDict()  # key -> (value, expires, bytes)
        self.lock = threading.Lock()
        self.nbytes = 0


class LiveCache(BaseCache):
    """A process's own cache of live objects, least recently used first out: at most
    MAX_ENTRIES entries and MAX_BYTES bytes (`weight()`; 0: no bound on bytes). A value that
    alone weighs more than MAX_BYTES is not kept.

    Unlike LocMemCache it does not pickle: `get` returns the very object that `set` was given,
    so what is kept must never be changed afterwards (page cache entries are frozen). Keys are
    not checked for memcached's rules: this cache is never memcached. Instances with the same
    LOCATION share their entries, as LocMemCache's do (Django makes one instance per thread).
    """

    _stores: dict[str, _Store] = {}

    def __init__(self, location, params):
        super().__init__(params)
        options = params.get("OPTIONS", {})
        self._max_bytes = int(options.get("MAX_BYTES", 0) or 0)
        store = self._stores.setdefault(location, _Store())
        self._store_of, self._entries, self._lock = store, store.entries, store.lock

    @property
    def nbytes(self) -> int:
        """The bytes its entries count for now (never more than MAX_BYTES, when set)."""
        return self._store_of.nbytes

    def get(self, key, default=None, version=None):
        key = self.make_key(key, version)
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return default
            value, expires, _ = found
            if expires is not None and expires <= time.time():
                self._remove(key)
                return default
            self._entries.move_to_end(key)
            return value

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        with self._lock:
            self._store(self.make_key(key, version), value, timeout)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_key(key, version)
        with self._lock:
            if self._live(key):
                return False
            self._store(key, value, timeout)
            return True

    def has_key(self, key, version=None):
        return self._live(self.make_key(key, version))

    def _live(self, key) -> bool:
        found = self._entries.get(key)
        return found is not None and (found[1] is None or found[1] > time.time())

    def _store(self, key, value, timeout) -> None:
        self._remove(key)
        size = weight(value)
        if self._max_bytes and size > self._max_bytes:
            return  # it would push out everything else and still not fit
        # get_backend_timeout gives the time of expiry (None: never), as LocMemCache keeps it.
        self._entries[key] = (value, self.get_backend_timeout(timeout), size)
        store = self._store_of
        store.nbytes += size
        while len(self._entries) > self._max_entries or (
            self._max_bytes and store.nbytes > self._max_bytes
        ):
            _, (_, _, dropped) = self._entries.popitem(last=False)
            store.nbytes -= dropped

    def _remove(self, key) -> bool:
        found = self._entries.pop(key, None)
        if found is None:
            return False
        self._store_of.nbytes -= found[2]
        return True

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_key(key, version)
        with self._lock:
            if not self._live(key):
                return False
            value, _, size = self._entries[key]
            self._entries[key] = (value, self.get_backend_timeout(timeout), size)
            return True

    def delete(self, key, version=None):
        with self._lock:
            return self._remove(self.make_key(key, version))

    def clear(self):
        with self._lock:
            self._entries.clear()
            self._store_of.nbytes = 0


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
        if mark >= self._seq:
            return False  # nothing was purged since
        if mark < self._floor:
            return True
        purged = self._purged
        return any(purged.get(key, 0) > mark for key in keys)

    def purged_keys_since(self, keys: Iterable[str], mark: int) -> list[str]:
        """Those of `keys` purged since `mark` (all of them, if that is no longer known)."""
        self._sync()
        if mark < self._floor:
            return list(keys)
        return [key for key in keys if self._purged.get(key, 0) > mark]

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
        return bool(self.purged_keys_since(keys, mark))

    def purged_keys_since(self, keys: Iterable[str], mark: int) -> list[str]:
        found = self.cache.get_many([self.KEY_PREFIX + key for key in keys])
        return [name.removeprefix(self.KEY_PREFIX) for name, seq in found.items() if seq > mark]

    def purge(self, keys: list[str]) -> None:
        from .cache import strict

        # A purge that did not reach Redis must raise, so that its task runs it later.
        with strict():
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


def kept(name: str, keys: tuple[str, ...], build: Callable[[], T], *, seconds: int = 300) -> T:
    """What `build()` reads, kept with the pages for at most `seconds`, and no longer than until
    one of `keys` is purged: for a part of many pages that costs a query to read (the site's
    navigation). The same rule as a kept page: a purge that races the reading wins."""
    cache = caches[CACHE_ALIAS]
    found = cache.get(KEPT_PREFIX + name)
    if found is not None and not marks().purged_since(keys, found[0]):
        return found[1]
    mark = marks().mark()
    value = build()
    cache.set(KEPT_PREFIX + name, (mark, value), seconds)
    return value


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


def _no_write(data: bytes) -> None:
    raise RuntimeError("The page cache does not support WSGI's write(): return the body instead.")


def _unshared(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The headers of a copy that no shared cache may keep (a browser may, briefly)."""
    return [(n, v) for n, v in headers if n.lower() != "cache-control"] + [
        ("Cache-Control", "private, max-age=0, must-revalidate")
    ]


class _Sent(list):
    """The body of a page that edges may keep. Once the server has sent it (WSGI calls close()),
    a purge of what it shows that came after its rendering and before that moment may have
    reached an edge before this copy did: such an edge would keep it. The edges are then
    purged again, at once, for those keys; otherwise nothing more is done."""

    def __init__(self, content: bytes, keys: tuple[str, ...], mark: int):
        super().__init__([content])
        self.keys, self.mark = keys, mark

    def close(self) -> None:
        purged = marks().purged_keys_since(self.keys, self.mark)
        if purged:
            from .purge import edges_purge_again

            edges_purge_again(purged)


class PageCache:
    """WSGI middleware: answer what is kept, keep what may be kept."""

    def __init__(self, app):
        self.app = app
        self._live: LiveCache | None = None

    def _cache(self) -> BaseCache:
        # A LiveCache's instances share one store: the first one found serves every thread.
        if self._live is not None:
            return self._live
        cache = caches[CACHE_ALIAS]
        if isinstance(cache, LiveCache):
            self._live = cache
        return cache

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD") or settings.SESSION_COOKIE_NAME in environ.get(
            "HTTP_COOKIE", ""
        ):
            return self.app(environ, start_response)
        cache = self._cache()
        key = _entry_key(environ)
        started = time.perf_counter()
        entry = cache.get(key)
        if entry is not None:
            now = time.time()
            if now - entry.stored < entry.ttl and not marks().purged_since(entry.keys, entry.mark):
                environ[ANSWERED] = True
                return self._answer(environ, start_response, entry, now, started)
            cache.delete(key)
        environ[ANSWERED] = False
        mark = marks().mark()
        captured = {}

        def capture(status, headers, exc_info=None):
            if exc_info:
                return start_response(status, headers, exc_info)
            # Held back until the rendering is over: its headers may still change (below).
            captured["status"], captured["headers"] = status, headers
            return _no_write

        body = self.app(environ, capture)
        if "status" not in captured:  # an error answer, already started
            return body
        status, headers = captured["status"], captured["headers"]
        keepable = _keepable(status, headers)
        if not keepable:
            start_response(status, headers)
            return body
        ttl, keys = keepable
        if marks().purged_since(keys, mark):
            # What it shows changed while it rendered: the reader gets it, no cache keeps it
            # (an edge would keep it after the purge that should have removed it).
            start_response(status, _unshared(headers))
            return body
        start_response(status, headers)
        try:
            content = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        if method == "GET" and len(content) <= MAX_BODY:
            kept = [(n, v) for n, v in headers if n.lower() != "server-timing"]
            etag = next((v for n, v in kept if n.lower() == "etag"), None)
            cache.set(key, Entry(status, kept, content, time.time(), ttl, keys, mark, etag), ttl)
        return _Sent(content, keys, mark)

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
