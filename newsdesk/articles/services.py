"""Writes with consequences. One function per action; side effects run on commit."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from .models import Article, Keyword, make_slug


def article_publish(*, article: Article, by: AbstractBaseUser | None, at: datetime | None = None) -> Article:
    """Publish now or at `at`. Readers see it from `published_at`; side effects run on commit."""
    article.status = Article.Status.PUBLISHED
    article.published_at = at or article.published_at or timezone.now()
    article.save()
    return article


def article_unpublish(*, article: Article, by: AbstractBaseUser | None) -> Article:
    article.status = Article.Status.DRAFT
    article.save()
    return article


def keywords_get_or_create(*, names: list[str]) -> list[Keyword]:
    """One keyword per name, whatever its case: 'NATO' and 'nato' are the same keyword."""
    keywords = []
    for name in dict.fromkeys(n.strip() for n in names if n.strip()):
        keyword = Keyword.objects.named(name).first()
        if keyword is None:
            keyword = Keyword.objects.create(name=name, slug=_unique_keyword_slug(name))
        keywords.append(keyword)
    return keywords


def _unique_keyword_slug(name: str) -> str:
    base = make_slug(name, max_length=110)
    slug, n = base, 2
    while Keyword.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def article_import(*, news_id: int | None, headline: str, body_html: str, published_at: datetime | None,
                   keywords: list[str], language: str | None = None) -> tuple[Article, bool]:
    """Create or update a published article from an imported page. Returns (article, created)."""
    article = Article.objects.filter(news_id=news_id).first() if news_id is not None else None
    created = article is None
    if created:
        article = Article(news_id=news_id)
    article.headline = headline
    article.slug = make_slug(headline)
    article.body = body_html
    article.status = Article.Status.PUBLISHED
    article.published_at = published_at or article.published_at or timezone.now()
    if language:
        article.language = language
    article.save()
    article.keywords.set(keywords_get_or_create(names=keywords))
    return article, created
