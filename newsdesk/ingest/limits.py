"""A wall-clock limit on every parse of outside bytes.

Parsers are pure functions, so they can run in a helper process; one that overruns its time is
killed, which no thread can do to another. The helper is started once per process (forkserver:
it never inherits database connections or threads) and reused, so a parse costs one round trip.
Set NEWSDESK_INGEST_PARSE_TIMEOUT=0 to parse in-process without a limit (benchmarks of the
parsers themselves).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool

from django.conf import settings

from .parsers.capture import ParseError

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


class ParseTimeout(ParseError):
    pass


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            context = multiprocessing.get_context("forkserver")
            _pool = ProcessPoolExecutor(
                max_workers=settings.NEWSDESK_INGEST_PARSE_WORKERS,
                mp_context=context,
                initializer=_watch_parent,
                initargs=(os.getpid(),),
            )
        return _pool


def _watch_parent(pid: int) -> None:
    """In the helper: exit when the process that started it is gone (killed, even by SIGKILL)."""

    def watch():
        while True:
            time.sleep(0.5)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:
                pass

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def _discard(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    # The stuck helper is killed; the executor has no public way to do it.
    for process in list(getattr(pool, "_processes", {}).values()):
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def run_limited(func, /, *args, timeout: float | None = None, **kwargs):
    """`func(*args, **kwargs)` in the helper process, killed after `timeout` seconds."""
    timeout = settings.NEWSDESK_INGEST_PARSE_TIMEOUT if timeout is None else timeout
    if not timeout:
        return func(*args, **kwargs)
    pool = _executor()
    try:
        future = pool.submit(func, *args, **kwargs)
        return future.result(timeout=timeout)
    except FutureTimeout:
        _discard(pool)
        raise ParseTimeout(
            f"Reading the document took longer than {timeout:g} seconds; it was abandoned."
        ) from None
    except BrokenProcessPool:
        _discard(pool)
        raise ParseError("The parser's helper process died (out of memory?); try again.") from None
