import pytest


def _caches_clear() -> None:
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Tests share one process; a cached page, counter or kept value (the navigation) must not
    # leak from one test to the next, nor into the next class's setUpClass / setUpTestData,
    # which run before this fixture does for that class's first test: cleared before and after.
    _caches_clear()
    # Nor a task scheduled for later (tasks run at once in tests; ones with a time wait in memory).
    from huey.contrib.djhuey import HUEY

    if HUEY.immediate:
        HUEY.flush()
    yield
    _caches_clear()


def pytest_report_header(config):
    # Whether the edge-cache tests run against a real Varnish, or which package is missing.
    from newsdesk.core.tests.varnish import report_header

    return report_header()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """The system Chromium through Playwright, for tests marked `browser`."""
    import os

    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (Debian package chromium, .ci/debian-packages)")
    # Playwright's sync API runs its own event loop; Django must allow ORM calls from tests anyway.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
