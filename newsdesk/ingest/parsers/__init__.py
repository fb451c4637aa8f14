"""Pure parsers for imported pages: bytes in, a ParsedPage out, no database."""

from __future__ import annotations

from .capture import (
    MAX_BYTES,
    Block,
    ParsedPage,
    ParseError,
    blocks_to_html,
    parse_capture,
)
from .html import parse_html

__all__ = [
    "MAX_BYTES",
    "Block",
    "ParseError",
    "ParsedPage",
    "blocks_to_html",
    "parse_capture",
    "parse_html",
    "parse_page",
]

_HTML_STARTS = (b"<!doctype", b"<html")


def is_html(data: bytes, *, filename: str) -> bool:
    """HTML by name (.html, .htm) or by content (a doctype or <html> first); else a capture."""
    if filename.lower().endswith((".html", ".htm")):
        return True
    head = data[:1024].removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    return head.startswith(_HTML_STARTS)


def parse_page(data: bytes, *, filename: str) -> ParsedPage:
    """Parse an imported file, HTML page or text capture, whichever it is."""
    if is_html(data, filename=filename):
        return parse_html(data)
    return parse_capture(data)
