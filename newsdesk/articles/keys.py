"""The surrogate keys of what readers see (newsdesk/core/surrogate.py), and which keys a change
to an article touches. One place for the vocabulary: pages add them while rendering, services
purge them on commit, the static mirror rewrites the files that carry them.

    article-302156      an article: its page, and every list, feed, related list, API item
                        and sitemap entry that shows it (a 404 at its address too)
    comments-302156     its approved comments and its comment settings: its page only
    related-302156      the related stories listed on its page: its page only
    section-3, keyword-17, author-5, image-40
                        the name, link or picture as shown anywhere
    list-home, list-section-3, list-keyword-17, list-author-5
                        the head of a list (first page, feed, API collection): a new story
                        enters there; deeper pages are anchored by their cursor and only
                        change when a story they show does (its own key)
    sections            the site's navigation (every HTML page), the API's sections
    keywords, authors   the API's collections of them
    sitemap, search     every sitemap; every search result page
"""

from __future__ import annotations

from collections.abc import Iterable

HOME = "list-home"
SECTIONS = "sections"
SITEMAP = "sitemap"
KEYWORDS = "keywords"  # the API's collection of every keyword
AUTHORS = "authors"
SEARCH = "search"


def article_key(news_id: int) -> str:
    return f"article-{news_id}"


def comments_key(news_id: int) -> str:
    """The approved comments of an article (and whether it takes comments), shown only on its
    page: a moderator's decision purges the page and nothing that merely lists the story."""
    return f"comments-{news_id}"


def related_key(news_id: int) -> str:
    """The related stories listed on an article's page: a new ranking purges that page only,
    not the lists that show the article. (Each story listed names its own key too.)"""
    return f"related-{news_id}"


def section_key(pk: int) -> str:
    return f"section-{pk}"


def keyword_key(pk: int) -> str:
    return f"keyword-{pk}"


def author_key(pk: int) -> str:
    return f"author-{pk}"


def image_key(pk: int) -> str:
    return f"image-{pk}"


def list_key(kind: str, pk: int) -> str:
    """The head of a section's, keyword's or author's list: kind is section, keyword or author."""
    return f"list-{kind}-{pk}"


def article_change_keys(
    *,
    news_id: int,
    section_ids: Iterable[int | None] = (),
    keyword_ids: Iterable[int] = (),
    author_ids: Iterable[int] = (),
) -> set[str]:
    """What a change readers see in one article touches: its own key (its page, and every list
    that shows it), and the heads of the lists it enters or leaves (pass the ids before and after
    an edit), the sitemaps and search results."""
    keys = {article_key(news_id), HOME, SITEMAP, SEARCH}
    keys |= {list_key("section", pk) for pk in section_ids if pk}
    keys |= {list_key("keyword", pk) for pk in keyword_ids}
    keys |= {list_key("author", pk) for pk in author_ids}
    return keys
