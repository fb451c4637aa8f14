from django import template

from ..selectors import RELATED_SHOWN
from ..selectors import related_articles as _related_articles

register = template.Library()


@register.simple_tag
def related_articles(article, limit: int = RELATED_SHOWN):
    """The article's stored related stories readers may see (one query, no ranking)."""
    return _related_articles(article=article, limit=limit)
