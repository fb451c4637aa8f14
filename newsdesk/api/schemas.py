"""What the API returns. Built from published stories and public taxonomy only: no emails, no
comments, no drafts, no embargoed stories (every article read goes through published())."""

import re
from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import BeforeValidator

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_day(value):
    # pydantic's lax mode reads "0" or "1700000000" as a Unix time: the description says a day
    # is YYYY-MM-DD, so nothing else is taken.
    if isinstance(value, str) and not _DAY.fullmatch(value):
        raise ValueError("should be a day as YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_iso_day)]


class SectionOut(Schema):
    name: str
    slug: str
    description: str
    url: str


class KeywordOut(Schema):
    name: str
    slug: str
    url: str


class AuthorOut(Schema):
    name: str
    slug: str
    bio: str


class ImageOut(Schema):
    url: str
    width: int | None
    height: int | None
    alt: str


class SectionRef(Schema):
    name: str
    slug: str


class ArticleSummaryOut(Schema):
    news_id: int
    headline: str
    slug: str
    summary: str
    url: str
    published_at: datetime
    updated_at: datetime
    language: str = Field(description="The story's language (BCP 47), for a lang attribute.")
    dir: Literal["ltr", "rtl"] = Field(description="Its reading direction, for a dir attribute.")
    section: SectionRef | None
    lead_image: ImageOut | None


class ArticleOut(ArticleSummaryOut):
    body_html: str
    keywords: list[KeywordOut]
    authors: list[AuthorOut]
    source_credits: list[str]


class ArticlePage(Schema):
    items: list[ArticleSummaryOut]
    next_cursor: str | None


class SectionList(Schema):
    items: list[SectionOut]


class KeywordPage(Schema):
    items: list[KeywordOut]
    next_cursor: str | None


class AuthorPage(Schema):
    items: list[AuthorOut]
    next_cursor: str | None


class SearchHitOut(Schema):
    article: ArticleSummaryOut
    snippet_html: str
    score: float


class SearchPage(Schema):
    items: list[SearchHitOut]
    next_cursor: str | None


class ErrorOut(Schema):
    message: str
    errors: list[dict] = []
