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

from django.db.models import prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from newsdesk.articles.models import Article
from newsdesk.comments.block import comment_block_context

ARTICLE_TEMPLATE = "site/article_detail.html"


def article_page(request, article: Article, **extra) -> HttpResponse:
    """The reader's page of `article` (read with Article.objects.for_page() or as much)."""
    prefetch_related_objects([article], "keywords", "authors")
    comments = comment_block_context(article)
    response = render(request, ARTICLE_TEMPLATE, {"article": article, **comments, **extra})
    close_at = comments["comments_close_at"]
    if close_at is not None:
        # The page offers to write a comment until comments close by the clock: no cache may
        # keep that copy longer (newsdesk/core/surrogate.py reads this bound).
        seconds = int((close_at - timezone.now()).total_seconds())
        response.cache_max_seconds = max(1, seconds)
    return response
