"""The parts of an article page that are the same for every reader, rendered once and kept.

The whole page is kept for readers without a session (page.py); these parts serve the views
rendered for one reader (editors, reply links, a form shown again) and the page's next
rendering after its comments change. What is the same for every reader (the head's metadata, the
story, the related stories) is kept in the cache per article version, content generation and
language, so a publish, correction, unpublish or rename (each raises the generation,
newsdesk/core/purge.py) and an edit of the story itself (a new version) are seen at once.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from newsdesk.articles.models import Article
from newsdesk.core.purge import content_generation

PARTS = {
    "meta": "site/_meta.html",
    "story": "site/_story.html",
    "related": "site/_related.html",
}
# A bound on anything a change forgot to announce.
PARTS_SECONDS = 600


def article_parts(article: Article, *, cached: bool = True) -> dict[str, SafeString]:
    """meta, story and related, as HTML. Keywords and authors are read only when rendering."""
    stamp = article.updated_at.timestamp() if article.updated_at else 0
    key = f"newsdesk:article-parts:{article.pk}:{stamp}:{content_generation()}:{get_language()}"
    parts = cache.get(key) if cached else None
    if parts is None:
        prefetch_related_objects([article], "keywords", "authors")
        # No request: nothing in the parts depends on the reader (nor runs context processors).
        context = {"article": article, "site_name": settings.NEWSDESK_SITE_NAME}
        parts = {name: render_to_string(template, context) for name, template in PARTS.items()}
        if cached:
            cache.set(key, parts, PARTS_SECONDS)
    return parts
