"""What every wire parser returns: one WireEntry per story it found, plain data, no database."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import lxml.html
from lxml import etree

from .capture import Block, ParsedPage, ParseError, blocks_to_html, clean_line

# Identifiers longer than this are stored as a digest: guids are keys, not text for people.
GUID_MAX = 300


@dataclass(frozen=True, slots=True)
class WireEntry:
    """One incoming story. `html` is untrusted: the store sanitizes it before it is saved."""

    guid: str
    title: str
    text: str  # plain text, paragraphs separated by a blank line
    html: str = ""
    url: str | None = None
    published_at: datetime | None = None  # aware
    author: str | None = None
    language: str | None = None
    # What richer wire formats (NewsML-G2, ninjs) say besides the text.
    keywords: tuple[str, ...] = ()
    located: str | None = None  # where the story happened, as the agency names it
    version: int | None = None  # the source's own version: an older one never replaces a newer
    withdrawn: bool = False  # the source withdrew it (NewsML-G2 pubStatus canceled, withheld)
    embargo_until: datetime | None = None  # aware; not to be published before


def iso_time(value: str) -> datetime | None:
    """An ISO 8601 time as an aware UTC datetime (a time without zone is taken as UTC)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def make_guid(value: str) -> str:
    value = value.strip()
    if len(value) <= GUID_MAX:
        return value
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()


_BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dd", "dt", "td"}


def html_to_text(html: str) -> str:
    """The readable text of HTML: a paragraph per block element, separated by blank lines."""
    if not html or not html.strip():
        return ""
    if "<" not in html:
        return "\n\n".join(p for p in (clean_line(x) for x in html.split("\n\n")) if p)
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return clean_line(re.sub(r"<[^>]*>", " ", html))
    etree.strip_elements(root, "script", "style", "noscript", "template", with_tail=False)
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    paragraphs: list[str] = []
    loose: list[str] = []

    def flush():
        text = clean_line(" ".join(loose))
        if text:
            paragraphs.append(text)
        loose.clear()

    def walk(el):
        if el.text:
            loose.append(el.text)
        for child in el:
            if not isinstance(child.tag, str):  # comments, processing instructions
                if child.tail:
                    loose.append(child.tail)
                continue
            if child.tag in _BLOCK_TAGS and not any(
                c.tag in _BLOCK_TAGS
                for c in child.iter()
                if c is not child and isinstance(c.tag, str)
            ):
                flush()
                text = clean_line(child.text_content())
                if text:
                    paragraphs.append(text)
            elif child.tag in _BLOCK_TAGS or child.tag in {
                "div",
                "section",
                "article",
                "ul",
                "ol",
                "table",
                "tr",
                "figure",
            }:
                flush()
                walk(child)
                flush()
            else:
                loose.append(child.text_content())
            if child.tail:
                loose.append(child.tail)

    walk(root)
    flush()
    return "\n\n".join(paragraphs)


def text_to_html(text: str) -> str:
    """Safe HTML for plain text: one escaped paragraph per blank-line separated block."""
    blocks = [Block("p", clean_line(p)) for p in text.split("\n\n") if clean_line(p)]
    return blocks_to_html(blocks)


def entry_from_page(page: ParsedPage, *, guid: str, url: str | None = None) -> WireEntry:
    """A parsed capture or HTML page as a wire entry (its text is text, escaped in `html`)."""
    text = "\n\n".join(b.text for b in page.blocks)
    if not text:
        raise ParseError("The page has no article text.")
    return WireEntry(
        guid=make_guid(guid),
        title=page.headline,
        text=text,
        html=blocks_to_html(page.blocks),
        url=url or page.url,
        published_at=page.published_at,
        author=page.author,
        language=page.language,
    )
