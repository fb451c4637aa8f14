"""`/healthz` and `/readyz`, for load balancers and orchestrators; JSON, never cached.

- `/healthz` (liveness): the process answers. Touches nothing else, so a slow database does not
  get healthy servers restarted.
- `/readyz` (readiness): every database alias, the cache, the page cache, the task queue and
  each edge in NEWSDESK_PURGE_URLS answer; 200 when all do, else 503. A failure names the part
  and the kind of error only (never a message, which may hold an address or a password).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)

# An edge probe must not hold the answer up: a load balancer's own timeout is a few seconds.
EDGE_TIMEOUT = 1.0


@never_cache
def healthz(request) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _database(alias: str) -> Callable[[], None]:
    def check() -> None:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    return check


def _cache(alias: str) -> Callable[[], None]:
    def check() -> None:
        from .cache import strict

        key = f"newsdesk:readyz:{uuid.uuid4().hex}"
        cache = caches[alias]
        with strict():  # the page is served without it; this says that it is away
            cache.set(key, 1, 10)
            if cache.get(key) != 1:
                raise RuntimeError("the cache did not keep a value")
            cache.delete(key)

    return check


def _task_queue() -> None:
    from .tasks import HUEY

    HUEY.pending_count()


def _edge(base_url: str) -> Callable[[], None]:
    def check() -> None:
        from .checks import PROBE_KEY
        from .edge import edge_purge

        edge_purge(base_url=base_url, keys=[PROBE_KEY], timeout=EDGE_TIMEOUT)

    return check


def readiness() -> tuple[bool, dict[str, dict]]:
    from .dbrouter import REPLICA, replica_configured
    from .edge import edge_label

    aliases = [a for a in settings.DATABASES if a != REPLICA or replica_configured()]
    checks: dict[str, Callable[[], None]] = {f"database:{a}": _database(a) for a in aliases}
    checks |= {f"cache:{alias}": _cache(alias) for alias in settings.CACHES}
    checks["task_queue"] = _task_queue
    checks |= {f"edge:{edge_label(url)}": _edge(url) for url in settings.NEWSDESK_PURGE_URLS}
    results: dict[str, dict] = {}
    for name, check in checks.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as error:
            logger.warning("Readiness: %s failed (%s).", name, type(error).__name__)
            results[name] = {"ok": False, "error": type(error).__name__}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return all(r["ok"] for r in results.values()), results


@never_cache
def readyz(request) -> JsonResponse:
    ready, results = readiness()
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": results},
        status=200 if ready else 503,
    )
