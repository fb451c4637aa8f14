"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1), written by hand: it is a small format."""

from datetime import UTC

from django.conf import settings
from django.urls import reverse

from newsdesk.articles.models import Article

from .feeds import feed_path
from .selectors import (
    Scope,
    absolute,
    article_author_names,
    article_categories,
    article_summary,
    article_text,
    feed_items,
    lead_image,
    site_logo_url,
)

VERSION = "https://jsonfeed.org/version/1.1"


def _date(value):
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def _item(article: Article) -> dict:
    item = {
        "id": absolute(reverse("site:short", kwargs={"news_id": article.news_id})),
        "url": absolute(article.get_absolute_url()),
        "title": article.headline,
        "summary": article_summary(article),
        "date_published": _date(article.published_at),
        "date_modified": _date(article.updated_at),
        "language": article.language,
    }
    if settings.NEWSDESK_FEED_FULL_TEXT and article.body:
        item["content_html"] = article_text(article)
    else:
        item["content_text"] = article_summary(article)
    authors = [{"name": name} for name in article_author_names(article)]
    if authors:
        item["authors"] = authors
    tags = article_categories(article)
    if tags:
        item["tags"] = tags
    image = lead_image(article)
    if image is not None:
        item["image"] = image.url
        item["attachments"] = [
            {
                "url": image.url,
                "mime_type": image.mime_type,
                **({"size_in_bytes": image.length} if image.length else {}),
            }
        ]
    return item


def json_feed(scope: Scope) -> dict:
    return {
        "version": VERSION,
        "title": scope.title,
        "home_page_url": scope.page_url,
        "feed_url": absolute(feed_path(scope, "json")),
        "description": scope.description,
        "icon": site_logo_url(),
        "language": scope.language or settings.LANGUAGE_CODE,
        "authors": [{"name": settings.NEWSDESK_SITE_NAME, "url": absolute("/")}],
        "items": [_item(article) for article in feed_items(scope)],
    }
