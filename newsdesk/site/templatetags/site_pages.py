"""How the reader's pages show a story's body: players for embeds, and tables that scroll
sideways inside their own box instead of widening the page on a phone."""

import re

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from newsdesk.articles.embeds import embeds_render
from newsdesk.articles.models import Article

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


@register.simple_tag
def translations_of(article: Article) -> list[Article]:
    """The story's translations readers see (one query, kept on the article: the head's
    hreflang links and the page's list of translations read it once)."""
    found = getattr(article, "_translations_shown", None)
    if found is None:
        found = list(
            Article.objects.translations_of(article).only(
                "news_id", "slug", "headline", "language", "translation_of"
            )
        )
        article._translations_shown = found
    return found
