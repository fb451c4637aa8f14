"""Writes of the ingest app: imported pages become published articles."""

from __future__ import annotations

import enum

from django.db import transaction
from django.utils import timezone

from newsdesk.articles.models import Article, Author, Keyword, make_slug
from newsdesk.articles.services import article_save, keywords_get_or_create
from newsdesk.core.html import sanitize_html

from .models import ImportedPage
from .parsers import ParsedPage, blocks_to_html

HEADLINE_MAX = Article._meta.get_field("headline").max_length
KEYWORD_MAX = Keyword._meta.get_field("name").max_length
LANGUAGE_MAX = Article._meta.get_field("language").max_length


class PageRejected(ValueError):
    """The page parsed but cannot become an article; the message says why, for the user."""


class ImportOutcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    SKIPPED = "skipped"  # already imported, and nothing in it changed


def page_identity(page: ParsedPage) -> str | None:
    """What identifies a page that has no News ID: its canonical address, else headline and time."""
    if page.news_id is not None:
        return None
    if page.url:
        return f"url:{page.url}"
    when = page.published_at.isoformat() if page.published_at else "undated"
    return f"page:{page.headline.casefold()}|{when}"


@transaction.atomic
def page_import(*, page: ParsedPage) -> tuple[Article, ImportOutcome]:
    """Create or update the published article for an imported page; never a second copy.

    The News ID is the page's identity (pages without one: see page_identity). The page's text
    is text: blocks_to_html escapes every character, so markup in it is shown, not run.
    Importing an unchanged page again writes nothing and answers SKIPPED.
    """
    _check(page)
    body = sanitize_html(blocks_to_html(page.blocks))
    identity = page_identity(page)
    article = _existing(page, identity)
    if article is not None and _unchanged(article, page, body):
        return article, ImportOutcome.SKIPPED

    outcome = ImportOutcome.UPDATED
    if article is None:
        article, outcome = Article(news_id=page.news_id), ImportOutcome.CREATED
    article.headline = page.headline
    article.slug = make_slug(page.headline)
    article.body = body
    article.status = Article.Status.PUBLISHED
    article.published_at = page.published_at or article.published_at or timezone.now()
    if page.language:
        article.language = page.language
    # The newsroom's save: a version and an event for the history, cache purges once committed.
    article_save(article=article, by=None)
    article.keywords.set(keywords_get_or_create(names=page.keywords))
    if page.author:
        article.authors.set([_author(page.author)])
    if identity is not None:
        ImportedPage.objects.update_or_create(
            key=ImportedPage.key_for(identity), defaults={"identity": identity, "article": article}
        )
    return article, outcome


def _check(page: ParsedPage) -> None:
    if len(page.headline) > HEADLINE_MAX:
        raise PageRejected(
            f"The headline is {len(page.headline)} characters long; at most {HEADLINE_MAX} fit."
        )
    for name in page.keywords:
        if len(name) > KEYWORD_MAX:
            raise PageRejected(
                f"The keyword {name[:30]!r}... is longer than {KEYWORD_MAX} characters."
            )
    if page.language and len(page.language) > LANGUAGE_MAX:
        raise PageRejected(
            f"The language code {page.language!r} is longer than {LANGUAGE_MAX} characters."
        )


def _existing(page: ParsedPage, identity: str | None) -> Article | None:
    if identity is None:
        return Article.objects.filter(news_id=page.news_id).first()
    mapping = ImportedPage.objects.identified_by(identity).select_related("article").first()
    return mapping.article if mapping else None


def _unchanged(article: Article, page: ParsedPage, body: str) -> bool:
    stored = article.keywords.values_list("name", flat=True)
    same_keywords = sorted(map(str.casefold, page.keywords)) == sorted(map(str.casefold, stored))
    authors = list(article.authors.values_list("name", flat=True))
    return (
        article.status == Article.Status.PUBLISHED
        and article.headline == page.headline
        and article.body == body
        and (page.published_at is None or article.published_at == page.published_at)
        and (not page.language or article.language == page.language)
        and (not page.author or authors == [page.author])
        and same_keywords
    )


def _author(name: str) -> Author:
    author = Author.objects.filter(name__iexact=name).first()
    if author is None:
        base = make_slug(name, max_length=120)
        slug, n = base, 2
        while Author.objects.filter(slug=slug).exists():
            slug, n = f"{base}-{n}", n + 1
        author = Author.objects.create(name=name, slug=slug)
    return author
