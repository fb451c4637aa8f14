import pytest


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Tests share one process; a cached page or counter must not leak from one test to the next.
    from django.core.cache import cache

    cache.clear()
    yield
