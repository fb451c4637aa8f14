"""HTML article pages: the main text through trafilatura (with readability-lxml's second opinion,
combine.py), as blocks of plain text.

Nothing from the page's markup is kept: trafilatura drops scripts, styles and page furniture,
and we read only the text of its structured (XML) body, so a `<script>` written as text in an
article comes out as the literal characters, to be escaped by blocks_to_html.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import trafilatura
from lxml import etree
from trafilatura.utils import load_html

from .capture import (
    Block,
    ParsedPage,
    ParseError,
    check_size,
    clean_line,
    is_furniture,
)
from .combine import combine, readability_blocks

_NEWS_ID_TEXT_RE = re.compile(r"News\s*ID\s*:\s*(\d{1,18})\b", re.IGNORECASE)
_NEWS_ID_META = ("news-id", "news_id", "newsid", "article:id", "article-id")
_PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "date",
    "dc.date.issued",
    "pubdate",
)
_MODIFIED_META = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "dc.date.modified",
    "last-modified",
)
_HTML_CHARSET_RE = re.compile(rb"<meta[^>]+charset\s*=", re.IGNORECASE)


def parse_html(data: bytes, *, url: str | None = None) -> ParsedPage:
    """Parse an HTML article page: headline, paragraphs and sub-headings, date, author.

    The News ID comes from a `<meta name="news-id">` (or similar) or a "News ID: N" text on
    the page, otherwise it is None. The time comes from article:published_time (or similar)
    where the page gives one; trafilatura's date, a day only, is read as midnight UTC. The
    page's own modified time (article:modified_time, dateModified) is kept where it has one.
    """
    check_size(data)
    if b"\x00" in data:
        raise ParseError("The file is not an HTML page: it contains binary data.")
    if not _HTML_CHARSET_RE.search(data[:4096]):
        # Without a declared charset, guessing would turn a corrupt file into mojibake.
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ParseError(
                f"The file is not UTF-8 text (undecodable byte at position {exc.start}) "
                "and the page declares no other charset."
            ) from None

    tree = load_html(data)
    if tree is None:
        raise ParseError("The file could not be read as an HTML page.")
    # Read our metadata before trafilatura, which prunes the tree it is given.
    news_id = _news_id(tree)
    meta_published = _meta_time(tree, _PUBLISHED_META, "datepublished")
    meta_modified = _meta_time(tree, _MODIFIED_META, "datemodified")
    language = _language(tree)

    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        include_formatting=False,
    )
    if doc is None or doc.body is None:
        raise ParseError("No article text was found in the HTML page.")

    headline = clean_line(doc.title or "")
    # A second extractor fills in where trafilatura lost paragraphs or took too much.
    blocks = combine(_blocks(doc.body), readability_blocks(data))
    if not headline and blocks and blocks[0].kind == "h2":
        headline = blocks.pop(0).text
    if not headline:
        raise ParseError("The HTML page has no headline (no <title> or <h1>).")
    # The page's <h1> repeats the title; keep it once, as the headline.
    blocks = [b for b in blocks if b.text != headline]
    if not any(b.kind == "p" for b in blocks):
        raise ParseError("No article text was found in the HTML page.")

    return ParsedPage(
        news_id=news_id,
        published_at=meta_published or _day_to_utc(doc.date),
        modified_at=meta_modified,
        headline=headline,
        blocks=blocks,
        keywords=_keywords(doc.tags or []),
        author=clean_line(doc.author or "") or None,
        language=language,
        url=(doc.url or url or "").strip() or None,
    )


def _text(el: etree._Element) -> str:
    # Line breaks inside a paragraph become spaces, not glued words.
    for lb in el.iter("lb"):
        lb.text = " "
    return clean_line("".join(el.itertext()))


def _blocks(body: etree._Element) -> list[Block]:
    blocks: list[Block] = []
    for el in body:
        if el.tag == "list":
            texts = [_text(item) for item in el.iter("item")]
            kind = "p"
        else:
            texts = [_text(el)]
            kind = "h2" if el.tag == "head" else "p"
        for text in texts:
            if text and not is_furniture(text):
                blocks.append(Block(kind, text))
    return blocks


def _news_id(tree: etree._Element) -> int | None:
    for meta in tree.iter("meta"):
        key = (meta.get("name") or meta.get("property") or meta.get("itemprop") or "").lower()
        if key in _NEWS_ID_META:
            value = (meta.get("content") or "").strip()
            if value.isascii() and value.isdigit() and int(value) > 0:
                return int(value)
    body = tree.find(".//body")
    if body is None:
        return None
    for text in body.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]"):
        if m := _NEWS_ID_TEXT_RE.search(text):
            return int(m[1])
    return None


def _meta_time(tree: etree._Element, names: tuple[str, ...], itemprop: str) -> datetime | None:
    """The first time the page states under one of `names` (meta) or as <time itemprop=...>."""
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key in names and (parsed := _iso_to_utc(meta.get("content") or "")):
            return parsed
    for time_el in tree.iter("time"):
        if (time_el.get("itemprop") or "").lower() == itemprop and (
            parsed := _iso_to_utc(time_el.get("datetime") or "")
        ):
            return parsed
    return None


def _iso_to_utc(value: str) -> datetime | None:
    value = value.strip()
    if "T" not in value:  # a bare day is left to trafilatura's date
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:  # a page that gives no zone is read as UTC, like the captures
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _day_to_utc(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value[:10], "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None


def _language(tree: etree._Element) -> str | None:
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    lang = lang.strip()
    return lang[:35] or None


def _keywords(tags: list[str]) -> list[str]:
    keywords: list[str] = []
    seen: set[str] = set()
    for tag in tags:
        for word in re.split(r"[,،;]", tag):
            word = clean_line(word)
            if word and word.casefold() not in seen:
                seen.add(word.casefold())
                keywords.append(word)
    return keywords
