"""Writes of the ingest app: imported pages become articles (published, or drafts)."""

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
def page_import(*, page: ParsedPage, draft: bool = False) -> tuple[Article, ImportOutcome]:
    """Create or update the article for an imported page; never a second copy.

    Published, unless `draft`: then a new article is a draft for the editors (with the page's
    own time as its publication time, for when they publish it), and an existing one keeps its
    state. The News ID is the page's identity (pages without one: see page_identity). The
    page's text is text: blocks_to_html escapes every character, so markup in it is shown,
    not run. The article's modified time is the story's own (the page's modified time, else
    its publication time), not the time of the import. Importing an unchanged page again
    writes nothing and answers SKIPPED.
    """
    _check(page)
    body = sanitize_html(blocks_to_html(page.blocks))
    identity = page_identity(page)
    article = _existing(page, identity)
    status = Article.Status.DRAFT if draft else Article.Status.PUBLISHED
    if draft and article is not None:
        status = article.status
    modified = _own_modified_time(page)
    if article is not None and _unchanged(article, page, body, status, modified):
        return article, ImportOutcome.SKIPPED

    outcome = ImportOutcome.UPDATED
    if article is None:
        article, outcome = Article(news_id=page.news_id), ImportOutcome.CREATED
    article.headline = page.headline
    article.slug = make_slug(page.headline)
    article.body = body
    article.status = status
    article.published_at = page.published_at or article.published_at or timezone.now()
    if page.language:
        article.language = page.language
    # The newsroom's save: a version and an event for the history, cache purges once committed.
    article_save(article=article, by=None)
    if modified is not None:
        Article.objects.filter(pk=article.pk).update(updated_at=modified)  # not auto_now's
        article.updated_at = modified
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


def _own_modified_time(page: ParsedPage):
    """When the story was last changed by its own account: never before its publication."""
    times = [t for t in (page.modified_at, page.published_at) if t is not None]
    return max(times) if times else None


def _unchanged(article: Article, page: ParsedPage, body: str, status: str, modified) -> bool:
    stored = article.keywords.values_list("name", flat=True)
    same_keywords = sorted(map(str.casefold, page.keywords)) == sorted(map(str.casefold, stored))
    authors = list(article.authors.values_list("name", flat=True))
    return (
        article.status == status
        and (modified is None or article.updated_at == modified)
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
