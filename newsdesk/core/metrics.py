"""Prometheus metrics (prometheus_client) and what `/metrics` reports.

Two kinds:

- **Counted as requests are served**: requests and their latency per view (a Django
  middleware), and page-cache hits and misses (a WSGI wrapper around the page cache, which
  answers before Django runs). Under `newsdesk serve` every gunicorn worker writes its counts
  to files in one folder (prometheus_client's multiprocess mode, PROMETHEUS_MULTIPROC_DIR),
  so a scrape that lands on any worker reports the whole server.
- **Read when scraped**, from the database and the task queue, so they are the same whichever
  server is asked: task queue depth and the age of its oldest waiting task, scheduled tasks,
  failed tasks awaiting a re-run, the worker's last heartbeat, how long purges wait, and what
  the apps above core register with `metric_gauge()` (comments waiting for a moderator, feed
  sources failing), from their AppConfig.ready():

      metric_gauge("newsdesk_comments_pending", "Comments waiting for a moderator.",
                   lambda: Comment.objects.pending().count())

Who may read `/metrics`: a request from an address in NEWSDESK_METRICS_ADDRESSES (loopback by
default) that did not come through a proxy (no X-Forwarded-For or Forwarded header), or one
that carries `Authorization: Bearer <NEWSDESK_METRICS_TOKEN>`.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
SAMPLED = 100  # waiting tasks read for their age: a scrape stays cheap however deep the queue

REQUESTS = Counter(
    "newsdesk_requests",
    "Requests answered by Django, by view, method and status class.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "newsdesk_request_seconds",
    "Time Django took to answer, by view.",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
PAGE_CACHE = Counter(
    "newsdesk_page_cache",
    "Anonymous GET and HEAD requests answered from the origin's page cache (hit) or not (miss).",
    ["result"],
)

CACHE_UNREACHABLE = Counter(
    "newsdesk_cache_unreachable",
    "Cache calls that Redis did not answer, by cache (answered as a miss or skipped).",
    ["cache"],
)


@dataclass(frozen=True)
class _Gauge:
    name: str
    documentation: str
    read: Callable[[], float | None]


_gauges: dict[str, _Gauge] = {}


def metric_gauge(name: str, documentation: str, read: Callable[[], float | None]) -> None:
    """Report `read()` as a gauge on every scrape (None: not reported). Once per name."""
    _gauges.setdefault(name, _Gauge(name, documentation, read))


def multiprocess_dir_prepare(path: Path) -> None:
    """Called by `newsdesk serve` before its web workers fork: counts go to files in `path`,
    emptied first (counts of an earlier run are not this server's)."""
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(path)
    # prometheus_client picks its value class at import, already done in this process.
    values.ValueClass = values.get_value_class()


class MiddlewareTimer:
    """Django middleware: count and time every request by the view that answered it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "") or "unmatched"
        LATENCY.labels(view).observe(time.perf_counter() - started)
        REQUESTS.labels(view, request.method, f"{response.status_code // 100}xx").inc()
        return response


class PageCacheCounter:
    """WSGI middleware around the page cache (config/wsgi.py): hits never reach Django. The
    page cache marks each answer in the environ (pagecache.ANSWERED): no header is read here,
    and the two counters are looked up once, since a hit costs only a few microseconds."""

    def __init__(self, app):
        self.app = app
        self.hits = PAGE_CACHE.labels("hit")
        self.misses = PAGE_CACHE.labels("miss")

    def __call__(self, environ, start_response):
        from .pagecache import ANSWERED

        body = self.app(environ, start_response)
        answered = environ.get(ANSWERED)
        if answered is not None:
            (self.hits if answered else self.misses).inc()
        return body


def _queue_readings() -> dict[str, float | None]:
    from django_tasks import default_task_backend
    from django_tasks.exceptions import TaskResultDoesNotExist

    from .purge import edge_purge_run, purge_run
    from .tasks import HUEY, worker_last_seen
    from .tasks_backend import SHIM

    purges = {purge_run.module_path, edge_purge_run.module_path}
    now = time.time()
    oldest = purge_lag = 0.0
    for waiting in HUEY.pending(limit=SAMPLED):
        if waiting.name != SHIM.name:
            continue  # not a django-tasks task (huey's periodic enqueuers)
        try:
            enqueued = default_task_backend.get_result(waiting.id).enqueued_at
        except TaskResultDoesNotExist:
            continue
        age = now - enqueued.timestamp() if enqueued else 0.0
        oldest = max(oldest, age)
        if waiting.args and waiting.args[0] in purges:
            purge_lag = max(purge_lag, age)
    seen = worker_last_seen()
    return {
        "newsdesk_task_queue_depth": HUEY.pending_count(),
        "newsdesk_task_queue_oldest_seconds": oldest,
        "newsdesk_task_scheduled": HUEY.scheduled_count(),
        "newsdesk_task_worker_heartbeat_age_seconds": (now - seen.timestamp()) if seen else None,
        "newsdesk_purge_lag_seconds": purge_lag,
    }


_QUEUE_HELP = {
    "newsdesk_task_queue_depth": "Tasks waiting to run now.",
    "newsdesk_task_queue_oldest_seconds": "Age of the oldest of the first 100 waiting tasks.",
    "newsdesk_purge_lag_seconds": "How long the oldest purge among the first 100 waiting tasks "
    "has waited (0: purges are keeping up).",
    "newsdesk_task_scheduled": "Tasks waiting for a later time (scheduled publishing, retries).",
    "newsdesk_task_worker_heartbeat_age_seconds": "Seconds since a task worker last ran its "
    "minute heartbeat (absent: never).",
}


class ReadingsCollector:
    """The gauges read at scrape time; one that cannot be read is left out and logged."""

    def describe(self):
        return []  # registering must not read the database (app loading is not over)

    def collect(self):
        from .models import TaskFailure, TaskOutbox

        readings: dict[str, tuple[str, float | None]] = {}
        try:
            for name, value in _queue_readings().items():
                readings[name] = (_QUEUE_HELP[name], value)
        except Exception as error:
            logger.warning("Metrics: the task queue could not be read (%s).", type(error).__name__)
        gauges = [
            _Gauge(
                "newsdesk_tasks_failed",
                "Tasks that failed after their last retry, not yet run again (admin alarm).",
                lambda: TaskFailure.objects.unresolved().count(),
            ),
            _Gauge(
                "newsdesk_tasks_kept",
                "Tasks kept in the database while the queue did not answer, not yet enqueued.",
                lambda: TaskOutbox.objects.count(),
            ),
            *_gauges.values(),
        ]
        for gauge in gauges:
            try:
                readings[gauge.name] = (gauge.documentation, gauge.read())
            except Exception as error:
                logger.warning("Metrics: %s could not be read (%s).", gauge.name, error)
        for name, (documentation, value) in readings.items():
            if value is not None:
                yield GaugeMetricFamily(name, documentation, value=value)


_readings = ReadingsCollector()
REGISTRY.register(_readings)


def _allowed(request: HttpRequest) -> bool:
    token = settings.NEWSDESK_METRICS_TOKEN
    given = request.META.get("HTTP_AUTHORIZATION", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    if "HTTP_X_FORWARDED_FOR" in request.META or "HTTP_FORWARDED" in request.META:
        return False  # through a proxy: REMOTE_ADDR is the proxy's, not the scraper's
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    for allowed in settings.NEWSDESK_METRICS_ADDRESSES:
        try:
            if address in ipaddress.ip_network(allowed, strict=False):
                return True
        except ValueError:
            logger.warning("NEWSDESK_METRICS_ADDRESSES: %r is not an address or network.", allowed)
    return False


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        return HttpResponse(
            "Metrics are served to the addresses in NEWSDESK_METRICS_ADDRESSES, or with "
            "NEWSDESK_METRICS_TOKEN as a bearer token.\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(_readings)
    else:
        registry = REGISTRY
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
