import json

from django import template
from django.utils.safestring import mark_safe

from ..metadata import article_meta as _article_meta

register = template.Library()

# As django.utils.html.json_script: no "<", ">" or "&" can end the script element early.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def article_meta(article):
    return _article_meta(article)


@register.simple_tag
def json_ld(data) -> str:
    """<script type="application/ld+json">: data for search engines, never run by the browser."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(
        _JSON_SCRIPT_ESCAPES
    )
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308 - escaped
