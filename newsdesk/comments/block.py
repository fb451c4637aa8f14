"""The comments block of an article page (comments/block.html).

The article page is the same bytes for every reader and kept whole by caches, so the block holds
nothing per reader: the approved comments, and where comments are open a "Write a comment" link
inside a slot that comments/form.js fills with the form (views/public.py) once the reader starts
to write. Built from the article alone, with no request.
"""

from __future__ import annotations

from newsdesk.articles.keys import comments_key
from newsdesk.articles.models import Article
from newsdesk.core.prepared import PreparedQuery, instances, model_fields
from newsdesk.core.reverse import cached_reverse
from newsdesk.core.surrogate import shown

from .models import Comment, comment_settings_of, comments_close_at, comments_open

# The page's approved comments (Comment.objects.for_article_page), compiled to SQL once
# (core/prepared.py): the ORM built the query again on every first view of every article.
_SHOWN_FIELDS = model_fields(Comment, "id", "parent_id", "name", "body", "created_at")
_SHOWN = PreparedQuery(
    lambda article_id: Comment.objects.for_article_page(Article(pk=article_id)).values_list(
        *_SHOWN_FIELDS
    )
)


def threads(comments: list[Comment]) -> list[Comment]:
    """Top-level comments, each with `.thread_replies`; a reply to a hidden comment stands alone."""
    by_id = {c.pk: c for c in comments}
    for c in comments:
        c.thread_replies = []
    top = []
    for c in comments:
        parent = by_id.get(c.parent_id)
        if parent is not None and parent.parent_id is None:
            parent.thread_replies.append(c)
        else:
            top.append(c)
    return top


def comment_block_context(article: Article) -> dict:
    """What comments/block.html needs, in one query (the approved comments; the article's
    comment settings ride along with it). `comments_close_at`: when the open block turns closed
    by the clock, so that no cache keeps it past that time (None: not by the clock)."""
    shown(comments_key(article.news_id))
    comments = instances(Comment, _SHOWN_FIELDS, _SHOWN.rows(article.pk), using=_SHOWN.using)
    settings_row = comment_settings_of(article)
    is_open = comments_open(article, settings_row)
    write_url = cached_reverse("comments:write", article.news_id)
    return {
        "comments": threads(comments),
        "comment_count": len(comments),
        "comments_open": is_open,
        "comments_close_at": comments_close_at(article, settings_row) if is_open else None,
        "comment_write_url": write_url,
        "comment_form_url": cached_reverse("comments:form", article.news_id),
    }
