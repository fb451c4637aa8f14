"""How the reader's pages show a story's body: players for embeds, and tables that scroll
sideways inside their own box instead of widening the page on a phone."""

import re

from django import template
from django.utils.safestring import SafeString, mark_safe

from newsdesk.articles.embeds import embeds_render

register = template.Library()

# Bodies are sanitized when stored (core/html.py) and keep no attribute on <table>: the tag is
# matched exactly. The box is a focusable region so keyboard users can scroll it too.
_TABLE_OPEN = re.compile(r"<table>")
_TABLE_CLOSE = re.compile(r"</table>")
_SCROLL_BOX = '<div class="table-scroll" role="region" tabindex="0" aria-label="Table">'


@register.filter
def story_body(body: str) -> SafeString:
    """A sanitized body as the page shows it."""
    html = str(embeds_render(body or ""))
    html = _TABLE_CLOSE.sub("</table></div>", _TABLE_OPEN.sub(_SCROLL_BOX + "<table>", html))
    return mark_safe(html)  # noqa: S308 - sanitized when stored; only our fixed markup added
