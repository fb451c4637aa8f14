"""Fixed-window counters that every process sees: the database on the single-machine default
(LocMem caches are per gunicorn worker), Redis through the cache when NEWSDESK_REDIS_URL is set."""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import connection

from .models import RateCounter
from .privacy import ident_digest
from .writegate import sqlite_write_gate


@dataclass(frozen=True)
class Rate:
    limit: int
    window: int  # seconds

    @classmethod
    def parse(cls, text: str) -> Rate:
        """'10/600' is ten per ten minutes."""
        limit, _, window = text.partition("/")
        return cls(int(limit), int(window or 60))


@dataclass(frozen=True)
class Limited:
    retry_after: int


def client_ip(request) -> str:
    """The reader's address; behind NEWSDESK_TRUSTED_PROXIES proxies, taken from X-Forwarded-For."""
    address = request.META.get("REMOTE_ADDR", "")
    hops = settings.NEWSDESK_TRUSTED_PROXIES
    if hops:
        forwarded = [
            a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
        ]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return ""


def _increment_db(key: str, expires: int) -> int:
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    with sqlite_write_gate(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (bucket, hits, expires) VALUES (%s, 1, %s) "  # noqa: S608 - our table
            f"ON CONFLICT (bucket) DO UPDATE SET hits = {table}.hits + 1 RETURNING hits",
            [key, expires],
        )
        return cursor.fetchone()[0]


def _increment_cache(key: str, window: int) -> int:
    cache = caches[settings.NEWSDESK_RATELIMIT_CACHE]
    for _ in range(3):
        cache.add(key, 0, timeout=window + 5)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            continue
    return 1


def rate_limit_hit(
    scope: str, ident: str, rate: Rate | str, *, now: float | None = None
) -> Limited | None:
    """Count one attempt by `ident` (an IP address, an email digest) in `scope`; a Limited answer
    when that goes over the rate ('10/600' or a Rate). The counter key holds a keyed hash, never
    the address itself."""
    if isinstance(rate, str):
        rate = Rate.parse(rate)
    if rate.limit <= 0:
        return None
    now = time.time() if now is None else now
    window_index = int(now // rate.window)
    window_end = (window_index + 1) * rate.window
    key = f"{scope}:{ident_digest(ident or '-')}:{rate.window}:{window_index}"
    if settings.NEWSDESK_RATELIMIT_BACKEND == "cache":
        hits = _increment_cache(key, rate.window)
    else:
        hits = _increment_db(key, int(window_end))
    if hits > rate.limit:
        return Limited(retry_after=max(1, int(window_end - now)))
    return None


def rate_counters_purge(*, now: float | None = None) -> int:
    now = time.time() if now is None else now
    deleted, _ = RateCounter.objects.filter(expires__lt=int(now)).delete()
    return deleted
