import json

from django.http import Http404, HttpResponse
from django.views.decorators.http import condition, require_safe

from newsdesk.core.surrogate import public, shown

from .feeds import ArticleFeed, AtomArticleFeed
from .jsonfeed import json_feed
from .selectors import Scope, feed_version

_FEEDS = {"rss": ArticleFeed(), "atom": AtomArticleFeed()}


def _render(scope: Scope, fmt: str, request) -> HttpResponse:
    if fmt == "json":
        body = json.dumps(json_feed(scope), ensure_ascii=False, indent=1)
        return HttpResponse(body, content_type="application/feed+json; charset=utf-8")
    return _FEEDS[fmt](request, scope=scope)


@require_safe
@public("feed")
def feed(request, fmt: str, kind: str = "site", slug: str | None = None):
    """Any feed, answering conditional requests with 304 from one cheap indexed query."""
    if fmt not in ("rss", "atom", "json"):
        raise Http404("Feeds come as rss, atom or json.")
    scope = Scope.resolve(kind, slug)
    shown(scope.head_key)
    version = feed_version(scope)

    @condition(etag_func=lambda r: version.etag, last_modified_func=lambda r: version.last_modified)
    def respond(request):
        return _render(scope, fmt, request)

    return respond(request)
