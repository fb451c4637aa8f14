"""Fixed-window counters that every process sees: the database on the single-machine default
(LocMem caches are per gunicorn worker), Redis through the cache when NEWSDESK_REDIS_URL is set,
and the database again while Redis does not answer."""

from __future__ import annotations

import ipaddress
import time
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils.crypto import salted_hmac

from .cache import strict
from .models import RateCounter
from .outage import REDIS_UNREACHABLE
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
    first: bool = False  # this attempt is the one that went over (once per window): worth a record


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


def _increment_db(expiry_by_key: dict[str, int], counts: Counter) -> dict[str, int]:
    """Add `counts[key]` to each counter in one statement (one round trip in the caller's write
    transaction) and return the new totals."""
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    rows = ", ".join(["(%s, %s, %s)"] * len(counts))
    params = [v for key, n in counts.items() for v in (key, n, expiry_by_key[key])]
    with sqlite_write_gate(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (bucket, hits, expires) VALUES {rows} "  # noqa: S608 - our table
            f"ON CONFLICT (bucket) DO UPDATE SET hits = {table}.hits + excluded.hits "
            "RETURNING bucket, hits",
            params,
        )
        return dict(cursor.fetchall())


def _increment_cache(key: str, window: int, n: int) -> int:
    cache = caches[settings.NEWSDESK_RATELIMIT_CACHE]
    with strict():  # Redis away: raised, and the caller counts in the database instead
        for _ in range(3):
            cache.add(key, 0, timeout=window + 5)
            try:
                return cache.incr(key, n)
            except ValueError:  # expired between add and incr
                continue
    return n


def rate_limits_hit(
    *hits: tuple[str, str, Rate | str], now: float | None = None
) -> list[Limited | None]:
    """Count one attempt for each (scope, ident, rate) at once: one statement on the database.
    For each, a Limited answer when that goes over its rate, or None."""
    now = time.time() if now is None else now
    buckets: list[tuple[str, Rate, int] | None] = []
    for scope, ident, rate in hits:
        if isinstance(rate, str):
            rate = Rate.parse(rate)
        if rate.limit <= 0:
            buckets.append(None)
            continue
        key, window_end = _bucket(scope, ident, rate.window, now)
        buckets.append((key, rate, window_end))
    live = [b for b in buckets if b is not None]
    if not live:
        return [None] * len(buckets)
    counts = Counter(key for key, _, _ in live)
    totals = None
    if settings.NEWSDESK_RATELIMIT_BACKEND == "cache":
        windows = {key: rate.window for key, rate, _ in live}
        try:
            totals = {key: _increment_cache(key, windows[key], n) for key, n in counts.items()}
        except REDIS_UNREACHABLE:
            # While Redis is away the limits hold on the database's counters (logged once by
            # the cache): a window that straddles the outage may count from zero again once.
            totals = None
    if totals is None:
        totals = _increment_db({key: int(end) for key, _, end in live}, counts)
    return [
        Limited(
            retry_after=max(1, int(b[2] - now)),
            first=totals[b[0]] - counts[b[0]] <= b[1].limit,
        )
        if b is not None and totals[b[0]] > b[1].limit
        else None
        for b in buckets
    ]


def _bucket(scope: str, ident: str, window: int, now: float) -> tuple[str, int]:
    """The counter's key for `now`'s window and the window's end."""
    window_index = int(now // window)
    # The counter key holds a keyed hash, never the address itself.
    return f"{scope}:{_digest(ident or '-')}:{window}:{window_index}", (window_index + 1) * window


def rate_counts(*counters: tuple[str, str, Rate | str], now: float | None = None) -> list[int]:
    """How many attempts each (scope, ident, rate) has counted in its current window, without
    counting one: a read (one statement on the database, one get_many on the cache)."""
    now = time.time() if now is None else now
    keys = [
        _bucket(scope, ident, (Rate.parse(rate) if isinstance(rate, str) else rate).window, now)[0]
        for scope, ident, rate in counters
    ]
    if not keys:
        return []
    found = None
    if settings.NEWSDESK_RATELIMIT_BACKEND == "cache":
        try:
            with strict():
                found = caches[settings.NEWSDESK_RATELIMIT_CACHE].get_many(keys)
        except REDIS_UNREACHABLE:
            found = None  # counted in the database meanwhile
    if found is None:
        found = dict(RateCounter.objects.filter(bucket__in=keys).values_list("bucket", "hits"))
    return [int(found.get(key) or 0) for key in keys]


def rate_limit_hit(
    scope: str, ident: str, rate: Rate | str, *, now: float | None = None
) -> Limited | None:
    """Count one attempt by `ident` (an IP address, an email digest) in `scope`; a Limited answer
    when that goes over the rate ('10/600' or a Rate)."""
    return rate_limits_hit((scope, ident, rate), now=now)[0]


def rate_counters_purge(*, now: float | None = None) -> int:
    now = time.time() if now is None else now
    deleted, _ = RateCounter.objects.filter(expires__lt=int(now)).delete()
    return deleted


def _digest(value: str) -> str:
    """A keyed hash, so that counters hold no address or email in clear."""
    return salted_hmac("newsdesk rate limit v1", value).hexdigest()[:32]
