"""/healthz, /readyz and /metrics (core/health.py, core/metrics.py): what they say, to whom,
and that no cache keeps them."""

import pytest
from django.conf import settings
from django.test import override_settings
from prometheus_client import REGISTRY

from config.wsgi import application
from newsdesk.core.metrics import PageCacheCounter
from newsdesk.core.models import TaskFailure
from newsdesk.core.pagecache import PageCache

from .test_pagecache import Backend
from .wsgi import wsgi_get

pytestmark = pytest.mark.django_db


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def assert_never_cached(response):
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert not response.has_header("Surrogate-Key")


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert_never_cached(response)


def test_readyz_checks_every_database_cache_and_the_task_queue(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    expected = {"database:default"} | {f"cache:{a}" for a in settings.CACHES}
    assert expected | {"task_queue"} == set(body["checks"])
    assert all(check["ok"] for check in body["checks"].values())
    assert_never_cached(response)


def test_readyz_answers_503_naming_the_part_but_no_address_or_secret(client):
    broken = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # Nothing listens on port 1; the password must not reach the answer.
            "LOCATION": "redis://:hunter2-secret@127.0.0.1:1/0",
        },
    }
    with override_settings(CACHES=broken):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["cache:default"]["ok"] is False
    assert body["checks"]["database:default"]["ok"] is True
    text = response.content.decode()
    assert "hunter2" not in text and "127.0.0.1" not in text and settings.SECRET_KEY not in text
    assert_never_cached(response)


def test_metrics_count_requests_by_view(client):
    labels = {"view": "core:healthz", "method": "GET", "status": "2xx"}
    before = sample("newsdesk_requests_total", **labels)
    client.get("/healthz")
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert sample("newsdesk_requests_total", **labels) == before + 2
    text = response.content.decode()
    assert 'newsdesk_request_seconds_bucket{le="0.005",view="core:healthz"}' in text
    assert_never_cached(response)


def test_metrics_report_failed_tasks_and_the_queue(client):
    TaskFailure.objects.create(task_path="newsdesk.core.tasks.tasks_heartbeat")
    TaskFailure.objects.create(task_path="newsdesk.core.tasks.tasks_heartbeat")
    text = client.get("/metrics").content.decode()
    assert "newsdesk_tasks_failed 2.0" in text
    assert "newsdesk_task_queue_depth 0.0" in text
    assert "newsdesk_task_scheduled 0.0" in text


def test_metrics_report_the_queue_and_how_long_purges_wait(
    client, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from newsdesk.core.purge import purge_run
    from newsdesk.core.tasks import HUEY, tasks_heartbeat

    HUEY.immediate = False  # a real queue (the test data folder's), with no worker to empty it
    try:
        HUEY.flush()
        with (
            time_machine.travel(timezone.now() - timedelta(seconds=90), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            tasks_heartbeat.enqueue()
        with (
            time_machine.travel(timezone.now() - timedelta(seconds=40), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            purge_run.enqueue(keys=["article-1"])
        text = client.get("/metrics").content.decode()
    finally:
        HUEY.flush()
        HUEY.immediate = True
    values = dict(
        line.split(" ", 1) for line in text.splitlines() if line and not line.startswith("#")
    )
    assert float(values["newsdesk_task_queue_depth"]) == 2
    assert 90 <= float(values["newsdesk_task_queue_oldest_seconds"]) < 600
    assert 40 <= float(values["newsdesk_purge_lag_seconds"]) < 90


def test_page_cache_hits_and_misses_are_counted_outside_django():
    app = PageCacheCounter(PageCache(Backend()))
    hits, misses = (
        sample("newsdesk_page_cache_total", result="hit"),
        sample("newsdesk_page_cache_total", result="miss"),
    )
    wsgi_get(app, "/one-metrics")
    second = wsgi_get(app, "/one-metrics")
    assert second.header("X-Page-Cache") == "hit"
    assert sample("newsdesk_page_cache_total", result="hit") == hits + 1
    assert sample("newsdesk_page_cache_total", result="miss") == misses + 1


@pytest.mark.parametrize(
    ("remote", "headers", "status"),
    [
        ("127.0.0.1", {}, 200),
        ("::1", {}, 200),
        ("192.0.2.7", {}, 403),
        # A proxy on the same machine makes every reader look local: refused unless the token.
        ("127.0.0.1", {"HTTP_X_FORWARDED_FOR": "198.51.100.3"}, 403),
        ("192.0.2.7", {"HTTP_AUTHORIZATION": "Bearer wrong"}, 403),
        ("192.0.2.7", {"HTTP_AUTHORIZATION": "Bearer s3cret-metrics-token"}, 200),
    ],
)
def test_metrics_only_for_allowed_addresses_or_the_token(client, remote, headers, status):
    with override_settings(NEWSDESK_METRICS_TOKEN="s3cret-metrics-token"):
        response = client.get("/metrics", REMOTE_ADDR=remote, **headers)
    assert response.status_code == status
    if status == 403:
        assert b"newsdesk_" not in response.content


def test_health_and_metrics_are_never_kept_by_the_page_cache():
    for path in ("/healthz", "/readyz", "/metrics"):
        first = wsgi_get(application, path, headers={"X-Real": "1"})
        again = wsgi_get(application, path)
        assert first.status in (200, 403), path
        assert again.header("X-Page-Cache") is None, path
        assert again.header("Surrogate-Key") is None, path
