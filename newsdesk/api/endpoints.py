"""The operations. Each reads through a named QuerySet or selector and shapes plain dicts."""

from datetime import UTC, date, datetime, timedelta
from typing import Literal

from django.conf import settings
from django.shortcuts import get_object_or_404
from ninja import Path, Query

from newsdesk.articles import keys
from newsdesk.articles.models import Article, Author, Keyword, Section
from newsdesk.core.pagination import encode_cursor, keyset_page
from newsdesk.core.surrogate import shown
from newsdesk.feeds.selectors import absolute, lead_image
from newsdesk.search.query import parse_query
from newsdesk.search.selectors import MAX_PAGES, day_start, search_articles

from .api import api
from .schemas import (
    ArticleOut,
    ArticlePage,
    AuthorOut,
    AuthorPage,
    Day,
    ErrorOut,
    KeywordOut,
    KeywordPage,
    SearchPage,
    SectionList,
    SectionOut,
)

ERRORS = {400: ErrorOut, 404: ErrorOut}


def _limit_doc() -> str:
    return f"Items per page, 1 to {settings.NEWSDESK_API_MAX_PAGE_SIZE}."


def _limit(limit: int) -> int:
    return min(limit, settings.NEWSDESK_API_MAX_PAGE_SIZE)


def _section_ref(article: Article) -> dict | None:
    return {"name": article.section.name, "slug": article.section.slug} if article.section else None


def _image(article: Article) -> dict | None:
    image = lead_image(article)
    if image is None:
        return None
    return {"url": image.url, "width": image.width, "height": image.height, "alt": image.alt}


def article_summary(article: Article) -> dict:
    return {
        "news_id": article.news_id,
        "headline": article.headline,
        "slug": article.slug,
        "summary": article.summary,
        "url": absolute(article.get_absolute_url()),
        "published_at": article.published_at,
        "updated_at": article.updated_at,
        "language": article.language,
        "dir": article.direction,
        "section": _section_ref(article),
        "lead_image": _image(article),
    }


def _keyword(keyword: Keyword) -> dict:
    return {"name": keyword.name, "slug": keyword.slug, "url": absolute(keyword.get_absolute_url())}


def _author(author: Author) -> dict:
    return {"name": author.name, "slug": author.slug, "bio": author.bio}


def _section(section: Section) -> dict:
    return {
        "name": section.name,
        "slug": section.slug,
        "description": section.description,
        "url": absolute(section.get_absolute_url()),
    }


def _listing():
    # Summaries need the section and the lead image, nothing else.
    return Article.objects.published().select_related("section", "lead_image")


# Cursors are described exactly in the OpenAPI document (a pattern), and every cursor the
# description allows names a page: a well-formed request is never refused, a malformed one is a
# 400 from the parameter's validation. Keywords and authors: the last id seen.
ID_CURSOR = r"^[0-9]{1,19}$"
# Articles: a keyset position, microseconds since 0001-01-01 UTC and the id, "63871...-5012".
ARTICLE_CURSOR = r"^[0-9]{1,18}-[0-9]{1,19}$"
# Free text and slugs: anything but NUL, which no page or query of the site may hold (every
# address with one is refused 400 before it reaches a view: core.middleware.NulRefusedMiddleware).
TEXT = r"^[^\x00]*$"
# Search: the page number, up to the last page search goes to.
SEARCH_CURSOR = "^(?:" + "|".join(str(n) for n in range(MAX_PAGES, 0, -1)) + ")$"

_EPOCH = datetime(1, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_LAST_MICROSECOND = (datetime.max.replace(tzinfo=UTC) - _EPOCH) // _MICROSECOND


def _encode_article_cursor(published_at: datetime, pk: int) -> str:
    return f"{(published_at - _EPOCH) // _MICROSECOND}-{pk}"


def _keyset_cursor(cursor: str) -> str:
    """The keyset position of an API cursor, as core.pagination writes it."""
    micros, pk = cursor.split("-")
    # Past the last representable moment every story is older: the position is the end of time.
    when = _EPOCH + min(int(micros), _LAST_MICROSECOND) * _MICROSECOND
    return encode_cursor(when, int(pk))


def _id_page(queryset, cursor: str | None, limit: int, shape) -> dict:
    queryset = queryset.order_by("id")
    if cursor:
        queryset = queryset.filter(id__gt=int(cursor))
    rows = list(queryset[: limit + 1])
    items = rows[:limit]
    more = len(rows) > limit
    return {
        "items": [shape(r) for r in items],
        "next_cursor": str(items[-1].pk) if more else None,
    }


@api.get("/articles", response={200: ArticlePage, **ERRORS}, tags=["articles"])
def list_articles(
    request,
    section: str | None = Query(None, pattern=TEXT, description="Section slug."),
    keyword: str | None = Query(None, pattern=TEXT, description="Keyword slug."),
    author: str | None = Query(None, pattern=TEXT, description="Author slug."),
    since: Day | None = Query(None, description="Published on or after this day (YYYY-MM-DD)."),  # noqa: B008 - ninja's way to describe a parameter
    until: Day | None = Query(None, description="Published on or before this day (YYYY-MM-DD)."),  # noqa: B008 - ninja's way to describe a parameter
    cursor: str | None = Query(
        None, pattern=ARTICLE_CURSOR, description="next_cursor of the previous page."
    ),
    limit: int = Query(20, ge=1, le=100, description="Items per page, 1 to 100."),
):
    """Published stories, newest first."""
    queryset = _listing()
    heads = [keys.HOME]  # the first page is the head of the lists it filters (articles/keys.py)
    if section:
        section_obj = get_object_or_404(Section, slug=section)
        queryset = queryset.filter(section=section_obj)
        heads.append(keys.list_key("section", section_obj.pk))
    if keyword:
        keyword_obj = get_object_or_404(Keyword, slug=keyword)
        queryset = queryset.listed_under("keyword", keyword_obj.pk)
        heads.append(keys.list_key("keyword", keyword_obj.pk))
    if author:
        author_obj = get_object_or_404(Author, slug=author)
        if keyword:  # within the keyword's list
            queryset = queryset.filter(authors=author_obj)
        else:
            queryset = queryset.listed_under("author", author_obj.pk)
        heads.append(keys.list_key("author", author_obj.pk))
    if not cursor:
        shown(*heads)
    if since:
        queryset = queryset.filter(published_at__gte=day_start(since))
    if until and until < date.max:  # the last day there is bounds nothing
        queryset = queryset.filter(published_at__lt=day_start(until + timedelta(days=1)))
    page = keyset_page(
        queryset, cursor=_keyset_cursor(cursor) if cursor else None, size=_limit(limit)
    )
    last = page.items[-1] if page.next_cursor else None
    return {
        "items": [article_summary(a) for a in page.items],
        "next_cursor": _encode_article_cursor(last.published_at, last.pk) if last else None,
    }


@api.get("/articles/{news_id}", response={200: ArticleOut, **ERRORS}, tags=["articles"])
def get_article(request, news_id: int):
    """One published story with its body (sanitized HTML), keywords and authors."""
    shown(keys.article_key(news_id))  # its 404 too, until it is published
    articles = Article.objects.for_page().prefetch_related("keywords", "authors")
    article = get_object_or_404(articles, news_id=news_id)
    return {
        **article_summary(article),
        "body_html": article.body,
        "keywords": [_keyword(k) for k in article.keywords.all()],
        "authors": [_author(a) for a in article.authors.all()],
        "source_credits": article.credits,
    }


@api.get("/sections", response={200: SectionList}, tags=["taxonomy"])
def list_sections(request):
    """Every section, in the site's navigation order."""
    shown(keys.SECTIONS)
    return {"items": [_section(s) for s in Section.objects.order_by("position", "name")]}


@api.get("/sections/{slug}", response={200: SectionOut, **ERRORS}, tags=["taxonomy"])
def get_section(request, slug: str = Path(..., pattern=TEXT)):
    return _section(get_object_or_404(Section, slug=slug))


@api.get("/keywords", response={200: KeywordPage, **ERRORS}, tags=["taxonomy"])
def list_keywords(
    request,
    cursor: str | None = Query(
        None, pattern=ID_CURSOR, description="next_cursor of the previous page."
    ),
    limit: int = Query(50, ge=1, le=100, description="Items per page, 1 to 100."),
):
    shown(keys.KEYWORDS)
    return _id_page(Keyword.objects.all(), cursor, _limit(limit), _keyword)


@api.get("/keywords/{slug}", response={200: KeywordOut, **ERRORS}, tags=["taxonomy"])
def get_keyword(request, slug: str = Path(..., pattern=TEXT)):
    return _keyword(get_object_or_404(Keyword, slug=slug))


@api.get("/authors", response={200: AuthorPage, **ERRORS}, tags=["taxonomy"])
def list_authors(
    request,
    cursor: str | None = Query(
        None, pattern=ID_CURSOR, description="next_cursor of the previous page."
    ),
    limit: int = Query(50, ge=1, le=100, description="Items per page, 1 to 100."),
):
    shown(keys.AUTHORS)
    return _id_page(Author.objects.all(), cursor, _limit(limit), _author)


@api.get("/authors/{slug}", response={200: AuthorOut, **ERRORS}, tags=["taxonomy"])
def get_author(request, slug: str = Path(..., pattern=TEXT)):
    return _author(get_object_or_404(Author, slug=slug))


@api.get("/search", response={200: SearchPage, **ERRORS}, tags=["search"])
def search(
    request,
    q: str = Query(
        ...,
        max_length=300,
        pattern=TEXT,
        description='Words (all must match), "a phrase", prefix*, -excluded.',
    ),
    section: str | None = Query(None, pattern=TEXT, description="Section slug."),
    keyword: str | None = Query(None, pattern=TEXT, description="Keyword slug."),
    since: Day | None = Query(None, description="Published on or after this day (YYYY-MM-DD)."),  # noqa: B008 - ninja's way to describe a parameter
    until: Day | None = Query(None, description="Published on or before this day (YYYY-MM-DD)."),  # noqa: B008 - ninja's way to describe a parameter
    sort: Literal["relevance", "newest"] = Query("relevance"),
    cursor: str | None = Query(
        None, pattern=SEARCH_CURSOR, description="next_cursor of the previous page."
    ),
    limit: int = Query(20, ge=1, le=50, description="Items per page, 1 to 50."),
):
    """Published stories matching `q`, best match first, with highlighted snippets (safe HTML:
    the story's text escaped, hits in <mark>)."""
    shown(keys.SEARCH)
    page = int(cursor) if cursor else 1
    results = search_articles(
        query=parse_query(q),
        section=get_object_or_404(Section, slug=section) if section else None,
        keyword=get_object_or_404(Keyword, slug=keyword) if keyword else None,
        published_from=since,
        published_to=until if until and until < date.max else None,
        sort=sort,
        page=page,
        size=limit,
    )
    return {
        "items": [
            {
                "article": article_summary(h.article),
                "snippet_html": str(h.snippet),
                "score": h.score,
            }
            for h in results.hits
        ],
        "next_cursor": str(page + 1) if results.has_next and page < MAX_PAGES else None,
    }
