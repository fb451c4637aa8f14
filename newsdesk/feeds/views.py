import json

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from newsdesk.core.surrogate import public, shown

from .feeds import ArticleFeed, AtomArticleFeed
from .jsonfeed import json_feed
from .selectors import Scope

_FEEDS = {"rss": ArticleFeed(), "atom": AtomArticleFeed()}


def _render(scope: Scope, fmt: str, request) -> HttpResponse:
    if fmt == "json":
        body = json.dumps(json_feed(scope), ensure_ascii=False, indent=1)
        return HttpResponse(body, content_type="application/feed+json; charset=utf-8")
    response = _FEEDS[fmt](request, scope=scope)
    del response["Last-Modified"]  # Django's Feed sets it from the newest item (see feed())
    return response


@require_safe
@public("feed")
def feed(request, fmt: str, kind: str = "site", slug: str | None = None):
    """Any feed. Conditional requests are answered by the ETag that ConditionalGetMiddleware
    takes of the body, so it changes with anything the feed shows (a story, or the name of its
    section, keyword or author). There is no Last-Modified: no date in the database tells when
    a renamed keyword changed the feed, and a client that sends only If-Modified-Since would be
    told 304 with the old name. A repeat request is a page-cache hit (304 there too), so the
    body is rendered only after a purge of what it shows."""
    if fmt not in ("rss", "atom", "json"):
        raise Http404("Feeds come as rss, atom or json.")
    scope = Scope.resolve(kind, slug)
    shown(scope.head_key)
    return _render(scope, fmt, request)
