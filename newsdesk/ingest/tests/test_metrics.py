"""/metrics reports failing wire sources (registered in IngestConfig.ready)."""

import pytest

from .factories import SourceFactory

pytestmark = pytest.mark.django_db


def test_metrics_count_enabled_sources_whose_last_poll_failed(client):
    SourceFactory(consecutive_failures=2)
    SourceFactory(consecutive_failures=1, enabled=False)
    SourceFactory(consecutive_failures=0)
    text = client.get("/metrics").content.decode()
    assert "newsdesk_feed_sources_failing 1.0" in text.splitlines()
