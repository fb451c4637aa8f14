"""No loss, no 5xx: 16 posters for 5 seconds against a real `newsdesk serve` on 127.0.0.1, on the
default SQLite set-up, each answering the Security Key and doing the proof of work for every
comment (bench/comments_load.py's posters; the bench runs 64 for 60 seconds).

Every success answer is stored, none twice, no answer is a 5xx, and every refusal shows the
reader's text again."""

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings

from .benches import bench_module


@pytest.fixture
def sqlite_only():
    if os.environ.get("NEWSDESK_DATABASE_URL"):
        pytest.skip(
            "the no-loss load test runs on the default set-up (SQLite, one writer) only; "
            "its server makes its own database, so the PostgreSQL run has nothing to add"
        )


def test_sixteen_posters_lose_nothing_and_see_no_server_error(sqlite_only):
    # A thread of its own: the posters' asyncio loop cannot start inside one that runs already
    # (Playwright's, after the browser tests).
    with ThreadPoolExecutor(1) as pool:
        result = pool.submit(
            bench_module("comments_load").run,
            16,
            5,
            ["--workers", "2"],
            secret_key=settings.SECRET_KEY,
        ).result()
    assert result["accepted"] > 16, result  # every poster got through, more than once
    assert result["lost"] == 0, result
    assert result["stored_twice"] == 0, result
    assert result["errors_5xx"] == 0, result
    assert result["refusals_without_text"] == 0, result
    assert result["stored_unanswered"] == 0, result
