"""What a Redis that does not answer looks like, and one log line per outage instead of one per
call: the cache (core/cache.py), the task queue (core/queue.py) and enqueueing (tasks_backend.py)
carry on without it and say so once."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("newsdesk.outage")

# Redis refused, dropped or did not answer in time.
REDIS_UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
# ... or huey's SQLite queue file stayed locked past its timeout.
QUEUE_UNREACHABLE = (*REDIS_UNREACHABLE, sqlite3.OperationalError)


class Outage:
    """The state of one service in this process: since when it has not answered (or None)."""

    def __init__(self, what: str, consequence: str):
        self.what, self.consequence = what, consequence
        self.since: float | None = None
        self._lock = threading.Lock()

    def failed(self, error: BaseException) -> None:
        if self.since is not None:
            return
        with self._lock:
            if self.since is None:
                self.since = time.monotonic()
                logger.warning(
                    "%s does not answer (%s); %s", self.what, type(error).__name__, self.consequence
                )

    def answered(self) -> None:
        if self.since is None:
            return
        with self._lock:
            if self.since is not None:
                logger.warning(
                    "%s answers again, after %.0f s.", self.what, time.monotonic() - self.since
                )
                self.since = None
