"""A second opinion on a page's main text: readability-lxml beside trafilatura.

The two extractors fail differently. trafilatura's filters drop a short paragraph, a quote or
a list item in the middle of a story now and then; readability keeps the whole container of
the story but sometimes picks the wrong one. So trafilatura's blocks stay the text, and
readability only fills in where they disagree:

- both found the same story (each finds at least AGREE of the other's words): a paragraph
  readability has between two paragraphs both have, and trafilatura lacks, is put back in
  its place (never before the first or after the last shared paragraph, where bylines,
  share buttons and "read more" live, and never a block that is mostly links);
- trafilatura took far more than the story (readability's text is nearly all inside it and
  under SUPERSET of it): the page is readability's container, paragraph by paragraph;
- otherwise (they found different things) trafilatura's blocks stand.

Only text comes from readability, never markup: its paragraphs are Blocks, escaped like the rest.
"""

from __future__ import annotations

import logging
import re
from collections import Counter

import lxml.html
from trafilatura.utils import decode_file

from .capture import Block, clean_line, is_furniture

AGREE = 0.8
SUPERSET = 0.4  # trafilatura's words that readability has too, below which it took too much
CONTAINED = 0.95  # readability's words that trafilatura has too, for that rule
MIN_WORDS = 150  # readability's text must be a story, not a caption, to replace anything
MATCH = 0.5  # a paragraph's word pairs found in trafilatura's text: it is one of its own
LINKED = 0.5  # a block with more of its text in links than this is furniture

_WORD = re.compile(r"\w+")
_BLOCK_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dd")
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def _words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(text)]


def _pairs(words: list[str]) -> set[tuple[str, ...]]:
    return set(zip(words, words[1:], strict=False)) if len(words) > 1 else {tuple(words)}


def readability_blocks(data: bytes) -> list[Block]:
    """Readability's paragraphs and sub-headings, as text; none if it cannot read the page."""
    from readability import Document  # a second parse: only pages that reach here pay for it

    logging.getLogger("readability.readability").setLevel(logging.WARNING)
    try:
        # Decoded as trafilatura decodes the page (readability's own guess runs chardet, slow).
        summary = Document(decode_file(data)).summary(html_partial=True)
        root = lxml.html.fragment_fromstring(summary, create_parent="div")
    except Exception:  # noqa: BLE001 - readability's Unparseable, lxml's errors: trafilatura's text stands
        return []
    blocks = []
    for el in root.iter(*_BLOCK_TAGS):
        if any(isinstance(c.tag, str) and c.tag in _BLOCK_TAGS for c in el.iterdescendants()):
            continue  # the innermost blocks only: a <li> holding <p>s is read through them
        text = clean_line(el.text_content())
        linked = sum(len(clean_line(a.text_content())) for a in el.iter("a"))
        # Mostly links: an advertisement, a "related" list, a tag cloud, never the story.
        if text and linked <= LINKED * len(text):
            blocks.append(Block("h2" if el.tag in _HEADINGS else "p", text))
    return blocks


def combine(first: list[Block], second: list[Block]) -> list[Block]:
    """trafilatura's blocks (`first`) with readability's (`second`) where they disagree."""
    if not first or not second:
        return first
    mine, theirs = Counter(), Counter()
    for block in first:
        mine.update(_words(block.text))
    for block in second:
        theirs.update(_words(block.text))
    shared = sum((mine & theirs).values())
    n_mine, n_theirs = sum(mine.values()), sum(theirs.values())
    if not n_mine or not n_theirs:
        return first
    if shared / n_mine < SUPERSET and shared / n_theirs >= CONTAINED and n_theirs >= MIN_WORDS:
        return [b for b in second if not is_furniture(b.text)]
    if shared / n_mine < AGREE or shared / n_theirs < AGREE:
        return first
    return _fill_gaps(first, second)


def _fill_gaps(first: list[Block], second: list[Block]) -> list[Block]:
    own = [_pairs(_words(b.text)) for b in first]
    every = set().union(*own)
    where: list[int | None] = []
    for block in second:
        pairs = _pairs(_words(block.text))
        if not pairs or len(pairs & every) / len(pairs) < MATCH:
            where.append(None)
        else:
            where.append(max(range(len(first)), key=lambda i: len(pairs & own[i])))
    # The story's own paragraphs bound the gaps (a shared heading may be the page's title,
    # with the by-line and date after it).
    shared = [j for j, at in enumerate(where) if at is not None and second[j].kind == "p"]
    if not shared:
        return first
    after: dict[int, list[Block]] = {}
    current = -1
    for j, block in enumerate(second):
        if where[j] is not None:
            current = max(current, where[j])
            continue
        if shared[0] < j < shared[-1] and not is_furniture(block.text):
            after.setdefault(current, []).append(block)
    out = list(after.get(-1, []))
    for i, block in enumerate(first):
        out.append(block)
        out.extend(after.get(i, []))
    return out
