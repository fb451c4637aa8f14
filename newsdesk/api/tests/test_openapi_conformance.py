"""The API answers what /api/openapi.json says, checked by schemathesis (issue 12, finding 11).

Every operation gets schema-valid requests (which must be answered 2xx, or 404 for an unknown
id or slug) and schema-violating ones (which must be refused with 400), and every answer must
match its documented body: no 5xx, no undocumented status, no 404 without its `message`.
Requests go through the whole WSGI stack readers get (config.wsgi: the page cache in front).

The examples are bounded and derandomized, so CI runs the same cases each time. For a wider,
random search (a red-team run):

    NEWSDESK_SCHEMATHESIS_EXAMPLES=500 NEWSDESK_SCHEMATHESIS_RANDOM=1 \\
        .venv/bin/pytest -q newsdesk/api/tests/test_openapi_conformance.py
"""

import os
from datetime import timedelta

import pytest
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck, settings

from config.wsgi import application
from newsdesk.articles.tests.plain_factories import (
    ArticleFactory,
    AuthorFactory,
    KeywordFactory,
    SectionFactory,
)

EXAMPLES = int(os.environ.get("NEWSDESK_SCHEMATHESIS_EXAMPLES", "30"))
RANDOM = bool(os.environ.get("NEWSDESK_SCHEMATHESIS_RANDOM"))


# Loaded when the module is collected: the description alone, no database.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture(autouse=True)
def keep_the_tests_connection():
    # Called as a server calls it, the application would close the connection at the end of
    # each request, the one the test's transaction holds (PostgreSQL): as the test client does.
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def stories(db):
    # Stories to list, so that 200 bodies with items are checked too, not only empty lists.
    section = SectionFactory(name="World", slug="world")
    keyword = KeywordFactory(name="Kabul", slug="kabul")
    author = AuthorFactory(name="Sara Ahmadi", slug="sara")
    for n in range(4):
        ArticleFactory(
            headline=f"Kabul talks day {n}",
            section=section,
            keywords=[keyword],
            authors=[author],
            published_at=timezone.now() - timedelta(hours=n + 1),
        )


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=not RANDOM,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_matches_the_openapi_description(case):
    case.call_and_validate()
