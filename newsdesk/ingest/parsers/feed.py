"""RSS and Atom feeds: bytes in, WireEntry list out.

Every feed is screened first (screen.py): its encoding on an allow-list, no entity
declarations (billion laughs, quadratic blow-up) and no external entities, bounded markup,
attributes and depth, all checked before anything is expanded or fully parsed. Only then
does feedparser, which is lenient with the rest, read it: the very text that was checked.
"""

from __future__ import annotations

import calendar
import io
from datetime import UTC, datetime

import feedparser

from .capture import ParseError, clean_line
from .entry import WireEntry, html_to_text, make_guid
from .screen import MAX_BYTES as MAX_FEED_BYTES
from .screen import screen_xml

MAX_ENTRIES = 2000


def looks_like_feed(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<?xml") or b"<rss" in head or b"<feed" in head or b"<rdf" in head


def parse_feed(data: bytes, *, url: str | None = None) -> list[WireEntry]:
    """Parse an RSS or Atom document into entries, newest information as the feed gives it."""
    if not data or not data.strip():
        raise ParseError("The feed is empty.")
    if len(data) > MAX_FEED_BYTES:
        raise ParseError(f"The feed is larger than {MAX_FEED_BYTES // 1024 // 1024} MB.")
    checked = screen_xml(data)  # UTF-8, declared so
    headers = {"content-location": url} if url else {}
    # A file object, never a string: feedparser would treat a string as a URL or a path.
    # No sanitizing here: the store runs every item's HTML through the site's allow-list (nh3).
    parsed = feedparser.parse(
        io.BytesIO(checked),
        response_headers=headers,
        sanitize_html=False,
        resolve_relative_uris=True,
    )
    if not parsed.entries and (parsed.get("bozo") or not parsed.get("version")):
        reason = " ".join(str(parsed.get("bozo_exception") or "no feed found").split())
        raise ParseError(f"This is not a readable RSS or Atom feed ({reason}); nothing was read.")
    language = clean_line(parsed.feed.get("language") or "")[:10] or None
    entries: list[WireEntry] = []
    for raw in parsed.entries[:MAX_ENTRIES]:
        entry = _entry(raw, feed_language=language)
        if entry is not None:
            entries.append(entry)
    if not entries and parsed.get("bozo"):
        reason = " ".join(str(parsed.get("bozo_exception") or "").split())
        raise ParseError(f"The feed is not well-formed XML ({reason}); no item could be read.")
    return entries


def _entry(raw, *, feed_language: str | None) -> WireEntry | None:
    title = clean_line(html_to_text(raw.get("title") or ""))
    html = ""
    if raw.get("content"):
        # Atom may give several; the HTML one is the fullest.
        contents = sorted(raw.content, key=lambda c: "html" not in (c.get("type") or ""))
        html = contents[0].get("value") or ""
    if not html:
        html = raw.get("summary") or raw.get("description") or ""
    text = html_to_text(html)
    link = (raw.get("link") or "").strip() or None
    guid = (raw.get("id") or raw.get("guid") or link or "").strip()
    if not guid and title:
        guid = "title:" + title
    if not title and text:
        title = text.split("\n\n", 1)[0][:200]
    if not guid or not (title or text):
        return None
    language = None
    if raw.get("content"):
        language = raw.content[0].get("language")
    return WireEntry(
        guid=make_guid(guid),
        title=title[:300],
        text=text,
        html=html,
        url=link if link and link.startswith(("http://", "https://")) else None,
        published_at=_time(raw.get("published_parsed") or raw.get("updated_parsed")),
        author=clean_line(raw.get("author") or "")[:120] or None,
        language=(language or feed_language or None) and (language or feed_language)[:10],
    )


def _time(value) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, TypeError):
        return None
