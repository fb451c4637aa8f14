"""How the reader's pages show a story's body: players for embeds, and tables that scroll
sideways inside their own box instead of widening the page on a phone."""

import re

from django import template
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from newsdesk.articles.embeds import embeds_render
from newsdesk.articles.models import Article, visible_from
from newsdesk.core.prepared import PreparedQuery, instances, model_fields

register = template.Library()

# Bodies are sanitized when stored (core/html.py) and keep no attribute on <table>: the tag is
# matched exactly. The box is a focusable region so keyboard users can scroll it too.
_TABLE_OPEN = re.compile(r"<table>")
_TABLE_CLOSE = re.compile(r"</table>")
_SCROLL_BOX = '<div class="table-scroll" role="region" tabindex="0" aria-label="{}">'


@register.filter
def story_body(body: str) -> SafeString:
    """A sanitized body as the page shows it."""
    html = str(embeds_render(body or ""))
    box = format_html(_SCROLL_BOX, gettext("Table"))
    html = _TABLE_CLOSE.sub("</table></div>", _TABLE_OPEN.sub(box + "<table>", html))
    return mark_safe(html)  # noqa: S308 - sanitized when stored; only our fixed markup added


# Article.objects.translations_of(), less its time conditions, compiled to SQL once
# (core/prepared.py): whether readers see each story is decided from its row as it is read
# (articles.models.visible_from), as for the related stories.
_GROUP_FIELDS = model_fields(
    Article, "id", "news_id", "slug", "headline", "language", "translation_of_id"
)
_GROUP = PreparedQuery(
    lambda root, pk: (
        Article.objects.filter(Q(pk=root) | Q(translation_of_id=root))
        .exclude(pk=pk)
        .order_by("language", "news_id")
        .values_list(*_GROUP_FIELDS, "status", "published_at", "embargo_until")
    )
)


@register.simple_tag
def translations_of(article: Article) -> list[Article]:
    """The story's translations readers see (one query, kept on the article: the head's
    hreflang links and the page's list of translations read it once)."""
    found = getattr(article, "_translations_shown", None)
    if found is None:
        now = timezone.now()
        shown = [
            fields
            for *fields, status, published_at, embargo_until in _GROUP.rows(
                article.translation_root_id, article.pk
            )
            if (since := visible_from(status, published_at, embargo_until)) and since <= now
        ]
        found = instances(Article, _GROUP_FIELDS, shown, using=_GROUP.using)
        article._translations_shown = found
    return found
