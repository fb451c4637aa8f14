"""RSS 2.0 and Atom 1.0 with django.contrib.syndication: the site, a section, a keyword or an
author."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed

from newsdesk.articles.models import Article

from .selectors import (
    Scope,
    absolute,
    article_author_names,
    article_categories,
    article_summary,
    article_text,
    feed_items,
    lead_image,
)


class RssWithContent(Rss201rev2Feed):
    """RSS 2.0 with the full story in content:encoded (the description stays a summary)."""

    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
        }

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content:encoded", item["content_html"])


class AtomWithContent(Atom1Feed):
    def item_attributes(self, item):
        # Each entry in its story's language (xml:lang), the feed in the site's.
        return {**super().item_attributes(item), "xml:lang": item["language"]}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content", item["content_html"], {"type": "html"})


class ArticleFeed(Feed):
    feed_type = RssWithContent
    url_format = "rss"

    def get_object(self, request, scope: Scope):
        return scope

    def get_feed(self, obj: Scope, request):
        feed = super().get_feed(obj, request)
        if obj.language:  # a language's feed is in that language, whatever the site's
            feed.feed["language"] = obj.language
        return feed

    def title(self, scope: Scope) -> str:
        return scope.title

    def link(self, scope: Scope) -> str:
        return scope.page_url

    def feed_url(self, scope: Scope) -> str:
        return absolute(feed_path(scope, self.url_format))

    def description(self, scope: Scope) -> str:
        return scope.description

    def author_name(self) -> str:
        return settings.NEWSDESK_SITE_NAME

    def feed_copyright(self) -> str:
        return f"© {settings.NEWSDESK_SITE_NAME}"

    def items(self, scope: Scope) -> list[Article]:
        return feed_items(scope)

    def item_title(self, item: Article) -> str:
        return item.headline

    def item_description(self, item: Article) -> str:
        return article_summary(item)

    def item_link(self, item: Article) -> str:
        return absolute(item.get_absolute_url())

    def item_guid(self, item: Article) -> str:
        # The short address never changes, even when an edited headline changes the slug.
        return absolute(reverse("site:short", kwargs={"news_id": item.news_id}))

    item_guid_is_permalink = True

    def item_pubdate(self, item: Article):
        return item.published_at

    def item_updateddate(self, item: Article):
        return item.updated_at

    def item_author_name(self, item: Article) -> str | None:
        return ", ".join(article_author_names(item)) or None

    def item_categories(self, item: Article) -> list[str]:
        return article_categories(item)

    def item_enclosures(self, item: Article) -> list[Enclosure]:
        image = lead_image(item)
        if image is None:
            return []
        return [Enclosure(image.url, str(image.length), image.mime_type)]

    def item_extra_kwargs(self, item: Article) -> dict:
        return {
            "content_html": article_text(item) if settings.NEWSDESK_FEED_FULL_TEXT else "",
            "language": item.language,
        }


class AtomArticleFeed(ArticleFeed):
    feed_type = AtomWithContent
    url_format = "atom"
    subtitle = ArticleFeed.description


def feed_path(scope: Scope, fmt: str) -> str:
    if scope.kind == "site":
        return reverse("feeds:site", kwargs={"fmt": fmt})
    if scope.kind == "language":
        return reverse("feeds:language", kwargs={"slug": scope.language, "fmt": fmt})
    return reverse(f"feeds:{scope.kind}", kwargs={"slug": scope.slug, "fmt": fmt})
