from django import template

from ..selectors import related_articles as _related_articles

register = template.Library()


@register.simple_tag
def related_articles(article, limit: int = 5):
    return _related_articles(article=article, limit=limit)
