"""Purging what readers may have cached after a change they must see.

`content_changed(paths=[...])` is called by the side-effect tasks of publishing. It raises the
content generation (a cache key any app can fold into its own cache keys, so every cached page,
feed or sitemap of an older generation is missed) and calls each purger an app registered, e.g.
a CDN purge, with the site paths that changed.
"""

import logging
from collections.abc import Callable

from django.core.cache import cache

logger = logging.getLogger(__name__)

GENERATION_KEY = "newsdesk:content-generation"
_purgers: list[Callable[[list[str]], None]] = []


def purger(func: Callable[[list[str]], None]):
    """Register `func(paths)`, called after content changes; it must be quick and idempotent."""
    if func not in _purgers:
        _purgers.append(func)
    return func


def content_generation() -> int:
    return cache.get_or_set(GENERATION_KEY, 1, timeout=None)


def content_changed(*, paths: list[str]) -> int:
    """Invalidate cached pages; returns the new content generation."""
    content_generation()
    try:
        generation = cache.incr(GENERATION_KEY)
    except ValueError:  # evicted between the two calls
        cache.set(GENERATION_KEY, 2, timeout=None)
        generation = 2
    for func in _purgers:
        func(paths)  # a failure raises: the task is retried, and after the last retry an alarm
    logger.info("Content changed (generation %s): %s", generation, ", ".join(paths))
    return generation
