"""What a public response shows, named in its `Surrogate-Key` header, and how long caches keep it.

Rendering a public page collects the keys of what it shows: every article, section, keyword,
author and picture linked from it adds its own key as its URL is built (the models'
get_absolute_url call `shown()`), and a list adds the key of its head. A change then purges
exactly the keys it touches (newsdesk/core/purge.py), in the origin's page cache and at every
edge. The key vocabulary is in newsdesk/articles/keys.py.

    @public("article")
    def article_detail(request, news_id, slug): ...

Each kind of page has its own policy: how long a browser keeps it (max-age, which no purge
reaches, so short), how long a shared cache keeps it (s-maxage: long, since purges are exact),
and how long a stale copy may be served while a fresh one is fetched or the origin is down.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.handlers.exception import response_for_exception
from django.http import Http404
from django.utils.cache import patch_cache_control

logger = logging.getLogger(__name__)

_shown: ContextVar[set[str] | None] = ContextVar("newsdesk_surrogate_keys", default=None)

# A key that every public response carries: purging it empties every cache (an operator's
# last resort, `newsdesk purge --all`), never used by a change.
ALL = "all"


def shown(*keys: str) -> None:
    """Record that the response being rendered shows these things (no-op outside one)."""
    collected = _shown.get()
    if collected is not None:
        collected.update(keys)


@contextmanager
def collecting() -> Iterator[set[str]]:
    """Collect the keys shown while the block runs (nested blocks add to the outer one too)."""
    outer = _shown.get()
    keys: set[str] = set()
    token = _shown.set(keys)
    try:
        yield keys
    finally:
        _shown.reset(token)
        if outer is not None:
            outer.update(keys)


@contextmanager
def unnamed() -> Iterator[None]:
    """Build URLs without naming what they show: for a response that names a collective key
    instead (a sitemap lists thousands of stories under `sitemap`)."""
    token = _shown.set(None)
    try:
        yield
    finally:
        _shown.reset(token)


# Varnish refuses responses with more than about 32 KB of headers, Fastly keys past 16 KB.
MAX_KEYS_BYTES = 12_000


@dataclass(frozen=True)
class Policy:
    max_age: int  # browsers: nothing purges them
    s_maxage: int  # shared caches: purged by key, so this only bounds a purge that was lost
    stale_while_revalidate: int
    stale_if_error: int

    def header(self) -> dict[str, int | bool]:
        return {
            "public": True,
            "max_age": self.max_age,
            "s_maxage": self.s_maxage,
            "stale_while_revalidate": self.stale_while_revalidate,
            "stale_if_error": self.stale_if_error,
        }


DAY = 86_400
POLICIES = {
    # A story changes rarely once out; readers who come back within the minute see the same copy.
    "article": Policy(max_age=60, s_maxage=DAY, stale_while_revalidate=60, stale_if_error=DAY),
    # List heads move with every publish: browsers keep them briefly, edges until purged.
    "list": Policy(max_age=30, s_maxage=DAY, stale_while_revalidate=30, stale_if_error=DAY),
    "feed": Policy(max_age=300, s_maxage=DAY, stale_while_revalidate=300, stale_if_error=DAY),
    "sitemap": Policy(max_age=600, s_maxage=DAY, stale_while_revalidate=600, stale_if_error=DAY),
    "api": Policy(max_age=60, s_maxage=DAY, stale_while_revalidate=60, stale_if_error=DAY),
    # Results of a query: any publish may change them, and there are too many to purge one by one.
    "search": Policy(max_age=60, s_maxage=600, stale_while_revalidate=60, stale_if_error=DAY),
    # A missing page may appear at any moment (a story published or lifted purges its own key
    # at the edges): browsers, which no purge reaches, ask again every time.
    "missing": Policy(max_age=0, s_maxage=600, stale_while_revalidate=0, stale_if_error=600),
    "static": Policy(max_age=3600, s_maxage=DAY, stale_while_revalidate=60, stale_if_error=DAY),
}


def has_session(request) -> bool:
    """A reader with a session (an editor signed in) may see what others do not: not shared."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def mark_public(response, kind: str, keys: set[str], *, max_seconds: int | None = None) -> None:
    """Make `response` one copy for every reader of this kind, naming `keys`. `max_seconds`
    bounds how long it may be kept: the time until something it shows changes by the clock
    (a scheduled story comes out, comments close)."""
    policy = POLICIES[kind]
    header = policy.header()
    if max_seconds is not None:
        header["max_age"] = max(0, min(policy.max_age, max_seconds))
        header["s_maxage"] = max(0, min(policy.s_maxage, max_seconds))
    named = " ".join(sorted(keys | {ALL}))
    if len(named) > MAX_KEYS_BYTES:
        # Too much to name: the page can no longer be purged exactly, so it is kept briefly.
        logger.warning("%s names %d keys; kept 60 s at most", response, len(keys))
        named = ALL
        header["max_age"] = min(header["max_age"], 60)
        header["s_maxage"] = min(header["s_maxage"], 60)
    patch_cache_control(response, **header)
    response["Surrogate-Key"] = named


def public(kind: str) -> Callable:
    """A view whose anonymous GET answers the same bytes to every reader, kept by shared caches
    per the `kind` policy and named by what it shows. A reader with a session gets a private
    copy; a response that sets a cookie or already says how to cache itself is left alone."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            with collecting() as keys:
                try:
                    response = view(request, *args, **kwargs)
                except Http404 as missing:
                    # The site's own 404 page, kept briefly under the keys the view named
                    # before it gave up (a story's own key: its publication purges the 404).
                    response = response_for_exception(request, missing)
            if request.method not in ("GET", "HEAD") or response.cookies:
                return response
            if has_session(request):
                patch_cache_control(response, private=True, no_cache=True)
                return response
            if response.has_header("Cache-Control") and "public" not in response["Cache-Control"]:
                return response  # the view decided (a preview, an error it must not share)
            if response.status_code == 404:
                kind_now = "missing"
            elif response.status_code in (200, 301, 304, 410):
                kind_now = kind
            else:
                return response
            # A view bounds how long its copy may be kept: on the response, or on the request
            # when it gave up with Http404.
            max_seconds = getattr(response, "cache_max_seconds", None)
            if max_seconds is None:
                max_seconds = getattr(request, "cache_max_seconds", None)
            mark_public(response, kind_now, keys, max_seconds=max_seconds)
            return response

        return wrapper

    return decorator
