"""Purging what readers may have cached after a change they must see.

`content_changed(paths=[...])` is called by the side-effect tasks of publishing. It raises the
content generation (a cache key any app can fold into its own cache keys, so every cached page,
feed or sitemap of an older generation is missed) and calls each purger an app registered, e.g.
a CDN purge, with the site paths that changed.
"""

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
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
    """The number to fold into the key of anything cached for readers. It lives where every
    process sees it: the shared cache (Redis), or on the embedded set-up, where each process has
    its own local cache, a file in the data folder (a task worker's change must reach the web
    workers)."""
    path = settings.NEWSDESK_CONTENT_GENERATION_FILE
    if path is None:
        return cache.get_or_set(GENERATION_KEY, 1, timeout=None)
    try:
        return int(Path(path).read_text() or 1)
    except FileNotFoundError:
        return 1


def content_changed(*, paths: list[str]) -> int:
    """Invalidate cached pages; returns the new content generation."""
    generation = _next_generation(settings.NEWSDESK_CONTENT_GENERATION_FILE)
    for func in _purgers:
        func(paths)  # a failure raises: the task is retried, and after the last retry an alarm
    logger.info("Content changed (generation %s): %s", generation, ", ".join(paths))
    return generation


def _next_generation(path) -> int:
    if path is None:
        content_generation()
        try:
            return cache.incr(GENERATION_KEY)
        except ValueError:  # evicted between the two calls
            cache.set(GENERATION_KEY, 2, timeout=None)
            return 2
    # Written whole and renamed into place, so a reader never sees a partial number. Two
    # changes at once may both write the same next number: it still differs from the old one,
    # which is all a cache key needs.
    generation = content_generation() + 1
    temporary = Path(f"{path}.{os.getpid()}.{threading.get_ident()}")
    temporary.write_text(str(generation))
    os.replace(temporary, path)
    return generation
