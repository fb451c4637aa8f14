"""Text captures of article pages (the format of tests/fixtures/news-302156.txt).

The shared result types live here too: the capture format is the reference every other
parser is measured against, and html.py imports them from this module.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

MAX_BYTES = 5 * 1024 * 1024


class ParseError(ValueError):
    """The file cannot be imported; the message says what is wrong with it, for the user."""


@dataclass(frozen=True, slots=True)
class Block:
    """One paragraph or sub-heading of plain text (never markup)."""

    kind: Literal["p", "h2"]
    text: str


@dataclass(frozen=True, slots=True)
class ParsedPage:
    news_id: int | None
    published_at: datetime | None  # aware, UTC
    headline: str
    blocks: list[Block] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    author: str | None = None
    language: str | None = None
    # The page's canonical address (HTML pages): what identifies a page that has no News ID.
    url: str | None = None
    # When the story itself was last changed, where the page says (aware, UTC).
    modified_at: datetime | None = None


def blocks_to_html(blocks: list[Block]) -> str:
    """Safe HTML for the blocks: the text of a page is text, so every character is escaped."""
    return "\n".join(f"<{b.kind}>{html.escape(b.text, quote=True)}</{b.kind}>" for b in blocks)


# C0 controls other than tab, line feed, form feed and carriage return, plus DEL: text files
# never hold them, binary files nearly always do.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Any run of whitespace, including NBSP (U+00A0), narrow NBSP and the other Unicode spaces.
_SPACE_RE = re.compile(r"\s+")


def check_size(data: bytes) -> None:
    if not data or not data.strip():
        raise ParseError("The file is empty.")
    if len(data) > MAX_BYTES:
        raise ParseError(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; pages larger than "
            f"{MAX_BYTES // 1024 // 1024} MB are not imported."
        )


def decode_text(data: bytes) -> str:
    """UTF-8 text (a byte-order mark is allowed) with line endings made '\\n'."""
    check_size(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(
            f"The file is not UTF-8 text (undecodable byte at position {exc.start}). "
            "Save it as UTF-8 and import it again."
        ) from None
    if not text.strip():  # str.strip() also takes NBSPs and the other Unicode spaces
        raise ParseError("The file is empty.")
    if _CONTROL_RE.search(text):
        raise ParseError("The file is not a text page: it contains binary control characters.")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def clean_line(line: str) -> str:
    """One line with NBSPs made spaces, runs of spaces collapsed and the ends stripped."""
    return _SPACE_RE.sub(" ", line).strip()


# Page furniture of the captured site: labels and the comment form, never article text.
_FURNITURE = frozenset(
    s.casefold()
    for s in (
        "KeyWords",
        "Comments",
        "Comment",
        "Name:",
        "Email:",
        "Comment:",
        "Security Key:",
        "Captcha refresh",
    )
)
_GENERATED_RE = re.compile(r"^Page Generated in\b", re.IGNORECASE)


def is_furniture(text: str) -> bool:
    return text.casefold() in _FURNITURE or bool(_GENERATED_RE.match(text))


# --- sub-headings ------------------------------------------------------------------------------

SUBHEADING_MAX_WORDS = 12
SUBHEADING_MAX_CHARS = 100
# Sentence ends in Latin, Arabic/Persian, Devanagari and CJK scripts, plus clause ends and
# closers: a line ending in any of them is a sentence (or a quote), not a heading.
_SENTENCE_END = set(".!?:;,…" + "؟۔،؛" + "।॥" + "。！？：；，" + "\"'”’»)]")
_QUOTES = set("\"'“”‘’«»„‚‹›「『-–—")


def looks_like_subheading(text: str) -> bool:
    """A short line that is a title rather than a sentence.

    Short (at most 12 words and 100 characters), holds a letter, does not start with a quote
    or dash (quotes and dialogue are paragraphs), and does not end with sentence or clause
    punctuation. Where the line stands (alone, between paragraphs) is checked by the caller.
    """
    return (
        len(text) <= SUBHEADING_MAX_CHARS
        and len(text.split()) <= SUBHEADING_MAX_WORDS
        and any(ch.isalpha() for ch in text)
        and text[0] not in _QUOTES
        and text[-1] not in _SENTENCE_END
    )


def classify_groups(groups: list[list[str]]) -> list[Block]:
    """Blocks from groups of consecutive non-blank lines (groups are split by blank lines).

    Every line is one paragraph: captures never wrap lines, a line is what the page showed as
    one. A group of a single line that looks like a sub-heading, with text before and after
    it, is a sub-heading; at the start or end of the text such a line is more likely a
    dateline, standfirst or credit, so it stays a paragraph.
    """
    blocks: list[Block] = []
    for gi, group in enumerate(groups):
        for line in group:
            heading = len(group) == 1 and 0 < gi < len(groups) - 1 and looks_like_subheading(line)
            blocks.append(Block("h2" if heading else "p", line))
    # A heading must introduce a paragraph: of two in a row, the first is demoted.
    for i in range(len(blocks) - 1):
        if blocks[i].kind == "h2" and blocks[i + 1].kind == "h2":
            blocks[i] = Block("p", blocks[i].text)
    return blocks


# --- header ------------------------------------------------------------------------------------

_NEWS_ID_RE = re.compile(r"^News\s*ID\s*:\s*(.*)$", re.IGNORECASE)
_PUBLISHED_RE = re.compile(r"^Published\s*:\s*(.*)$", re.IGNORECASE)
_UPDATED_RE = re.compile(r"^(?:Updated|Modified|Last\s+updated)\s*:\s*(.*)$", re.IGNORECASE)
_GMT_RE = re.compile(
    r"^(?P<hh>\d{2})(?P<mm>\d{2})\s+GMT\s+(?P<month>[A-Za-z]+)\.?\s+(?P<day>\d{1,2}),?\s+"
    r"(?P<year>\d{4})$",
    re.IGNORECASE,
)
_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_TIME_FORM = "'Published:' time is not in the form 0140 GMT April 14, 2021"


def parse_gmt_time(value: str) -> datetime:
    """'0140 GMT April 14, 2021' as an aware UTC datetime."""
    m = _GMT_RE.match(value)
    month = _MONTHS.get(m["month"].casefold()) if m else None
    if not m or month is None:
        raise ParseError(f"{_TIME_FORM} (found {value!r}).")
    try:
        return datetime(
            int(m["year"]), month, int(m["day"]), int(m["hh"]), int(m["mm"]), tzinfo=UTC
        )
    except ValueError:
        raise ParseError(f"'Published:' time {value!r} is not a real date and time.") from None


def _parse_news_id(value: str) -> int:
    if not value.isascii() or not value.isdigit() or int(value) <= 0:
        raise ParseError(f"'News ID:' is not a whole number (found {value!r}).")
    return int(value)


# --- the format --------------------------------------------------------------------------------


def parse_capture(data: bytes) -> ParsedPage:
    """Parse a text capture: 'News ID:' and 'Published:' lines, the headline, then the body.

    The capture repeats the headline (dropped), may list keywords between 'KeyWords' and
    'Comments' (comma separated or one per line), and ends with the comment form and a
    timing line (dropped). Lines holding only whitespace or NBSPs are blank.
    """
    lines = [clean_line(line) for line in decode_text(data).split("\n")]

    news_id: int | None = None
    published_at: datetime | None = None
    modified_at: datetime | None = None
    i = 0
    # The header is the run of 'News ID:' / 'Published:' (/ 'Updated:') lines at the top.
    while i < len(lines):
        line = lines[i]
        if not line:
            i += 1
        elif m := _NEWS_ID_RE.match(line):
            news_id = _parse_news_id(m[1])
            i += 1
        elif m := _PUBLISHED_RE.match(line):
            published_at = parse_gmt_time(m[1])
            i += 1
        elif m := _UPDATED_RE.match(line):
            try:
                modified_at = parse_gmt_time(m[1])
            except ParseError:
                raise ParseError(
                    f"'Updated:' time is not in the form 0140 GMT April 14, 2021 (found {m[1]!r})."
                ) from None
            i += 1
        else:
            break
    if news_id is None:
        raise ParseError("The file has no 'News ID:' line at the top; is it a page capture?")
    if published_at is None:
        raise ParseError(
            "The file has no 'Published:' line (e.g. 'Published: 0140 GMT April 14, 2021')."
        )

    rest = lines[i:]
    end = _keywords_label_index(rest)
    body, tail = (rest, []) if end is None else (rest[:end], rest[end + 1 :])
    # Without a KeyWords label, the comment form may still trail the text.
    while body and (not body[-1] or is_furniture(body[-1])):
        body.pop()

    if not body or is_furniture(body[0]):
        raise ParseError("The file has no headline after the 'Published:' line.")
    headline, body = body[0], body[1:]
    # The capture shows the headline twice; the second is page furniture.
    j = next((k for k, line in enumerate(body) if line), None)
    if j is not None and body[j] == headline:
        body = body[j + 1 :]

    groups: list[list[str]] = []
    current: list[str] = []
    for line in [*body, ""]:
        if line:
            current.append(line)
        elif current:
            groups.append(current)
            current = []
    blocks = classify_groups(groups)
    if not blocks:
        raise ParseError("The file has a headline but no article text.")

    return ParsedPage(
        news_id=news_id,
        published_at=published_at,
        headline=headline,
        blocks=blocks,
        keywords=_keywords(tail),
        modified_at=modified_at,
    )


def _keywords_label_index(lines: list[str]) -> int | None:
    # The last label counts: the word could open a paragraph of the text, the label ends it.
    for k in range(len(lines) - 1, -1, -1):
        if lines[k].casefold() == "keywords":
            return k
    return None


_KEYWORD_SPLIT_RE = re.compile(r"[,،;؛]")


def _keywords(tail: list[str]) -> list[str]:
    """Keywords from the lines after the 'KeyWords' label, up to 'Comments' or the form."""
    keywords: list[str] = []
    seen: set[str] = set()
    for line in tail:
        if is_furniture(line):
            break
        for word in _KEYWORD_SPLIT_RE.split(line):
            word = word.strip()
            if word and word.casefold() not in seen:
                seen.add(word.casefold())
                keywords.append(word)
    return keywords
