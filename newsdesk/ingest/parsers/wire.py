"""Which parser reads a file or a download: by name, then by content type, then by content."""

from __future__ import annotations

from pathlib import PurePosixPath

from .capture import ParseError, parse_capture
from .entry import WireEntry, entry_from_page
from .feed import looks_like_feed, parse_feed
from .html import parse_html
from .newsml import looks_like_newsml, parse_newsml
from .ninjs import parse_ninjs

FEED_SUFFIXES = (".xml", ".rss", ".atom")
HTML_SUFFIXES = (".html", ".htm")
SUFFIXES = (*FEED_SUFFIXES, *HTML_SUFFIXES, ".json", ".txt")


def parse_file(data: bytes, *, filename: str) -> list[WireEntry]:
    """A file from the drop folder: HTML page, text capture, RSS/Atom file, NewsML-G2 item or
    ninjs JSON."""
    suffix = PurePosixPath(filename).suffix.lower()
    if suffix in FEED_SUFFIXES:
        return parse_newsml(data) if looks_like_newsml(data) else parse_feed(data)
    if suffix == ".json":
        return parse_ninjs(data)
    if suffix in HTML_SUFFIXES:
        page = parse_html(data)
        return [entry_from_page(page, guid=page.url or f"file:{filename}")]
    if suffix == ".txt":
        page = parse_capture(data)
        return [entry_from_page(page, guid=f"news-id:{page.news_id}")]
    raise ParseError(
        f"Files ending in {suffix or '(nothing)'} are not read; use one of {', '.join(SUFFIXES)}."
    )


def parse_download(
    data: bytes, *, content_type: str, url: str, expect: str | None = None
) -> list[WireEntry]:
    """A fetched document: a feed, a NewsML-G2 item, a ninjs document or an HTML page.

    `expect` ("feed" or "page") is what the source is meant to be: a feed address that answers
    with an HTML page (a login or error page) is then an error, not a story.
    """
    kind = content_type.split(";", 1)[0].strip().lower()
    if "json" in kind and expect != "page":
        return parse_ninjs(data)
    if expect != "page" and ("iptc.g2" in kind or "xml" in kind) and looks_like_newsml(data):
        return parse_newsml(data)
    if expect == "feed" or (
        expect is None
        and "html" not in kind
        and ("xml" in kind or "rss" in kind or "atom" in kind or looks_like_feed(data))
    ):
        return parse_feed(data, url=url)
    page = parse_html(data, url=url)
    return [entry_from_page(page, guid=page.url or url, url=page.url or url)]
