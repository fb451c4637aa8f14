"""Django's RedisCache, carrying on while Redis does not answer: a read is a miss and a write
does nothing, logged once per outage and counted (newsdesk_cache_unreachable_total, /metrics).
Pages are then rendered for every request, and nothing that must not be lost lives only in the
cache: sessions are in the database, rate limits fall back to its counters (ratelimit.py).

Code that must know that Redis did not answer (a purge mark, a rate-limit counter) asks inside
`strict()`, where the error is raised as it is (REDIS_UNREACHABLE):

    with strict():
        cache.incr(key)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from .metrics import CACHE_UNREACHABLE
from .outage import REDIS_UNREACHABLE, Outage

_strict = threading.local()
_outages: dict[str, Outage] = {}


@contextmanager
def strict() -> Iterator[None]:
    """Inside, calls of this thread to a RedisCache raise when Redis does not answer."""
    before = getattr(_strict, "on", False)
    _strict.on = True
    try:
        yield
    finally:
        _strict.on = before


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._name = self.key_prefix or "default"
        self._outage = _outages.setdefault(
            self._name,
            Outage(f"Redis (cache {self._name!r})", "reads are misses and writes are skipped."),
        )
        self._counted = CACHE_UNREACHABLE.labels(self._name)

    def _unreachable(self, error: Exception, default=None):
        if getattr(_strict, "on", False):
            raise error
        self._counted.inc()
        self._outage.failed(error)
        return default

    def _answered(self) -> None:
        if self._outage.since is not None:
            self._outage.answered()

    def get(self, key, default=None, version=None):
        try:
            value = super().get(key, default, version)
        except REDIS_UNREACHABLE as error:
            return self._unreachable(error, default)
        self._answered()
        return value

    def get_many(self, keys, version=None):
        try:
            value = super().get_many(keys, version)
        except REDIS_UNREACHABLE as error:
            return self._unreachable(error, {})
        self._answered()
        return value

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except REDIS_UNREACHABLE as error:
            return self._unreachable(error, False)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except REDIS_UNREACHABLE as error:
            self._unreachable(error)
        else:
            self._answered()

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except REDIS_UNREACHABLE as error:
            return self._unreachable(error, False)  # not added

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except REDIS_UNREACHABLE as error:
            return self._unreachable(error, list(data))  # the keys not set

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except REDIS_UNREACHABLE as error:
            return self._unreachable(error, False)

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except REDIS_UNREACHABLE as error:
            return self._unreachable(error, False)

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except REDIS_UNREACHABLE as error:
            self._unreachable(error)

    def incr(self, key, delta=1, version=None):
        # A counter has no answer to make up: without Redis, as if the key were missing.
        try:
            return super().incr(key, delta, version)
        except REDIS_UNREACHABLE as error:
            self._unreachable(error)
            raise ValueError(f"Key '{key}' not found: Redis does not answer.") from error

    def clear(self):
        try:
            return super().clear()
        except REDIS_UNREACHABLE as error:
            return self._unreachable(error, False)
