"""The extraction development corpus (../shared/extraction-dev): reference texts and scores.

Shared by the regression test (test_extraction_dev.py) and the bench (bench/extraction_dev.py).
A page's reference is the text of its `expected.html` (Mozilla Readability's output); a score
compares multisets of lower-cased words, so a word repeated or lost counts each time.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT.parent / "shared" / "extraction-dev"
# Chinese and Japanese are written without spaces: each of their characters counts as a word.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")


def pages() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.iterdir() if (p / "source.html").is_file())


def words(text: str) -> Counter:
    return Counter(w.casefold() for w in _WORD.findall(text))


def reference_text(page: Path) -> str:
    tree = lxml.html.fromstring((page / "expected.html").read_text(encoding="utf-8"))
    return " ".join(tree.itertext())


def scores(extracted: str, reference: str) -> tuple[float, float, float]:
    """(precision, recall, F1) of the extracted words against the reference's."""
    got, want = words(extracted), words(reference)
    common = sum((got & want).values())
    if not common:
        return 0.0, 0.0, 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def imported_text(page: Path) -> str:
    """What readers get of the page through the import: parse, the stored body (sanitized as
    page_import stores it), its text under the headline, as the article page shows them."""
    from newsdesk.core.html import sanitize_html
    from newsdesk.ingest.parsers import blocks_to_html, parse_html
    from newsdesk.ingest.parsers.entry import html_to_text

    parsed = parse_html((page / "source.html").read_bytes())
    body = html_to_text(sanitize_html(blocks_to_html(parsed.blocks)))
    return f"{parsed.headline}\n\n{body}"
