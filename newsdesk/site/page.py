"""The article page: the same bytes for every reader, rendered in one pass.

Nothing on the page depends on who reads it: no CSRF token, no comment form (the comments block
holds only a link and a slot that a script fills when the reader starts to write:
newsdesk/comments/block.py), no messages, no session read. The page is therefore kept whole,
by its address, by the origin's page cache (newsdesk/core/pagecache.py) and by any edge cache,
and purged by the keys it shows (newsdesk/core/surrogate.py). This module only renders it, as
cheaply as it can: the article with its section, picture and comment settings (the view's one
query), its keywords and its authors (one query each), the approved comments (one), and what
the site's chrome and the related stories read themselves.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from newsdesk.articles.models import Article, Author, Keyword
from newsdesk.comments.block import comment_block_context
from newsdesk.core.prepared import PreparedQuery, instances, model_fields

ARTICLE_TEMPLATE = "site/article_detail.html"

# The article's keywords and authors, in their models' order. Compiled to SQL once
# (core/prepared.py): prefetch_related() built both queries with the ORM on every first view.
_KEYWORD_FIELDS = model_fields(Keyword, "id", "name", "slug")
_AUTHOR_FIELDS = model_fields(Author, "id", "name", "slug", "bio", "picture_id")
_LINKED = {
    "keywords": (
        Keyword,
        _KEYWORD_FIELDS,
        PreparedQuery(
            lambda article_id: Keyword.objects.filter(articles=article_id).values_list(
                *_KEYWORD_FIELDS
            )
        ),
    ),
    "authors": (
        Author,
        _AUTHOR_FIELDS,
        PreparedQuery(
            lambda article_id: Author.objects.filter(articles=article_id).values_list(
                *_AUTHOR_FIELDS
            )
        ),
    ),
}


def _linked_prefetch(article: Article) -> None:
    """What prefetch_related_objects([article], "keywords", "authors") leaves behind (so that
    `article.keywords.all` reads no more), from the prepared queries."""
    prefetched = article.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, (model, fields, query) in _LINKED.items():
        queryset = getattr(article, name).get_queryset()
        queryset._result_cache = instances(model, fields, query.rows(article.pk), using=query.using)
        queryset._prefetch_done = True
        prefetched[name] = queryset


def article_page(request, article: Article, **extra) -> HttpResponse:
    """The reader's page of `article` (read with Article.objects.for_page() or as much)."""
    _linked_prefetch(article)
    comments = comment_block_context(article)
    response = render(request, ARTICLE_TEMPLATE, {"article": article, **comments, **extra})
    close_at = comments["comments_close_at"]
    if close_at is not None:
        # The page offers to write a comment until comments close by the clock: no cache may
        # keep that copy longer (newsdesk/core/surrogate.py reads this bound).
        seconds = int((close_at - timezone.now()).total_seconds())
        response.cache_max_seconds = max(1, seconds)
    return response
