"""Old addresses of an imported site (WordPress permalinks, /?p=ID) answer 301 to the story.

The table is read only where a page would otherwise be missing (the 404 path, and the home
page when its address carries ?p= or ?page_id=): pages that exist never pay for it. The 301
is a public page like the story's own, named by the story's key, so a change of the story's
address (its slug) or its withdrawal purges the redirect with it.
"""

from django.http import HttpResponsePermanentRedirect

from newsdesk.articles.models import Article
from newsdesk.core.surrogate import public
from newsdesk.ingest.models import LEGACY_QUERY_NAMES, LegacyUrl


def has_legacy_query(request) -> bool:
    return any(name in request.GET for name in LEGACY_QUERY_NAMES)


def legacy_article(request) -> Article | None:
    """The published story an old address of this request leads to, in one query, or None."""
    if request.method not in ("GET", "HEAD"):
        return None
    query = request.META.get("QUERY_STRING", "")
    address = request.path + (f"?{query}" if query else "")
    old = LegacyUrl.objects.for_path(address).values("article_id")
    return Article.objects.published().filter(pk__in=old).only("news_id", "slug").first()


def moved(article: Article) -> HttpResponsePermanentRedirect:
    # get_absolute_url names the story's key: its purge reaches this redirect too.
    return HttpResponsePermanentRedirect(article.get_absolute_url())


@public("article")
def _moved_view(request, article: Article):
    return moved(article)


def legacy_redirect(request):
    """The 301 for an old address, cacheable like the story's page, or None."""
    article = legacy_article(request)
    return _moved_view(request, article) if article is not None else None
