"""Hostile XML refused before it is parsed: encoding, entities, size, markup, attributes, depth.

A feed is read by feedparser, whose time grows with whatever a document holds; a document
built to hold a worker (400,000 attributes on one element, 300,000 nested elements, an entity
declaration hidden in UTF-32 or EBCDIC) is refused here first, in well under a second:

1. The encoding is found from the byte-order mark or the XML declaration and must be on an
   allow-list (UTF-8, UTF-16 and the usual single- and double-byte encodings); UTF-32, EBCDIC,
   UTF-7 and unknown names are refused. The document is decoded once, and every later check
   runs on that text; feedparser is then given the same text, as UTF-8, so that what was
   checked is exactly what is parsed.
2. Cheap scans of the text (in C, by `str.count` and one regular expression): no entity
   declaration (billion laughs, quadratic blow-up), at most MAX_MARKUP tags, no tag with
   more than MAX_ATTRIBUTES attributes.
3. One streaming pass of defusedxml's expat reader (entity declarations and external
   references forbidden) that stops at the first element nested deeper than MAX_DEPTH.
   A document that is not well-formed XML (feedparser reads many such) is measured for depth
   by its tags instead.
"""

from __future__ import annotations

import codecs
import re
import xml.sax
import xml.sax.handler

import defusedxml
import defusedxml.sax

from .capture import ParseError

MAX_BYTES = 10 * 1024 * 1024
# Tags ("<" outside CDATA sections) a feed may hold: a 2,000-item feed holds some 30,000;
# feedparser reads about 100,000 a second, so this bounds a parse to a second or two.
MAX_MARKUP = 150_000
MAX_ATTRIBUTES = 100  # per element; feeds use a handful, namespace declarations a dozen
MAX_DEPTH = 100  # feeds nest a few levels, XHTML content a few dozen more

# What feeds are written in; each decodes to text in which "<" and "!ENTITY" are themselves.
ENCODINGS = frozenset(
    {
        "utf-8",
        "utf-16",
        "utf-16-le",
        "utf-16-be",
        "ascii",
        *(f"iso8859-{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16)),
        *(f"cp{n}" for n in range(1250, 1259)),
        "koi8-r",
        "koi8-u",
        "shift_jis",
        "cp932",
        "euc_jp",
        "euc_kr",
        "gb2312",
        "gbk",
        "gb18030",
        "big5",
    }
)

_DECLARED_RE = re.compile(r"""\A\s*<\?xml[^>]*?\bencoding\s*=\s*["']([^"']*)["']""")
_ENTITY_RE = re.compile(r"<!\s*ENTITY", re.IGNORECASE)
# A tag with more than MAX_ATTRIBUTES attributes (quoted, or unquoted as lenient parsers take).
_ATTRIBUTE = r"""\s+[^\s=<>/]+\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>]+)"""
_WIDE_TAG_RE = re.compile(rf"<[^\s<>!?/]+(?:{_ATTRIBUTE}){{{MAX_ATTRIBUTES}}}")
_TAG_RE = re.compile(r"<(/?)([A-Za-z_][^\s/>]*)[^>]*?(/?)>")
_CDATA_RE = re.compile(r"<!\[CDATA\[.*?\]\]>", re.DOTALL)
_VOID = frozenset({"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "wbr"})

REFUSED = "it was refused unread"


def screen_xml(data: bytes) -> bytes:
    """The document as UTF-8 (declared so), or ParseError saying why it is refused."""
    if len(data) > MAX_BYTES:
        raise ParseError(f"The feed is larger than {MAX_BYTES // 1024 // 1024} MB; {REFUSED}.")
    text = _decode(data)
    if _ENTITY_RE.search(text):
        raise ParseError(f"The feed declares XML entities (a possible XML bomb); {REFUSED}.")
    if text.count("<") > MAX_MARKUP and (tags := _markup(text)) > MAX_MARKUP:
        raise ParseError(
            f"The feed holds {tags:,} tags; at most {MAX_MARKUP:,} are read, so {REFUSED}."
        )
    if _WIDE_TAG_RE.search(text):
        raise ParseError(
            f"An element of the feed has more than {MAX_ATTRIBUTES} attributes; {REFUSED}."
        )
    utf8 = text.encode("utf-8")
    if not _well_formed_within_limits(utf8):
        _check_loose_depth(text)
    return utf8


def _decode(data: bytes) -> str:
    head = data[:4]
    if head in (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\x00<", b"<\x00\x00\x00"):
        raise ParseError(f"The feed is encoded in UTF-32, which is not read; {REFUSED}.")
    if head == b"\x4c\x6f\xa7\x94":  # "<?xm" in EBCDIC
        raise ParseError(f"The feed is encoded in EBCDIC, which is not read; {REFUSED}.")
    for start, encoding, skip in (
        (b"\xef\xbb\xbf", "utf-8", 3),  # byte-order marks, then "<?" without one
        (b"\xfe\xff", "utf-16-be", 2),
        (b"\xff\xfe", "utf-16-le", 2),
        (b"\x00<\x00?", "utf-16-be", 0),
        (b"<\x00?\x00", "utf-16-le", 0),
    ):
        if data.startswith(start):
            return _declare_utf8(data[skip:].decode(encoding, errors="replace"))
    # An ASCII-compatible encoding: the declaration names it, UTF-8 when there is none.
    if b"\x00" in data:
        raise ParseError(f"The feed holds NUL bytes: it is UTF-32 or not text at all; {REFUSED}.")
    declared = _DECLARED_RE.match(data[:1024].decode("latin-1"))
    label = declared[1].strip() if declared else ""
    encoding = _allowed(label) if label else "utf-8"
    if encoding.startswith("utf-16"):
        encoding = "utf-8"  # declared UTF-16 without a byte-order mark: its bytes say otherwise
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        # As feedparser would: an undeclared non-UTF-8 feed is most often windows-1252.
        text = data.decode(encoding if label else "cp1252", errors="replace")
    return _declare_utf8(text)


def _allowed(label: str) -> str:
    try:
        encoding = codecs.lookup(label).name
    except LookupError:
        encoding = ""
    if encoding not in ENCODINGS:
        raise ParseError(
            f"The feed is encoded in {label[:40]!r}, which is not read (UTF-8, UTF-16, "
            f"ISO-8859, windows-125x, KOI8, Shift_JIS, EUC, GB and Big5 are); {REFUSED}."
        )
    return encoding


def _declare_utf8(text: str) -> str:
    """The text with its XML declaration (if any) saying UTF-8, which it will be given as."""
    declared = _DECLARED_RE.match(text)
    if declared is None:
        return text
    start, end = declared.span(1)
    return text[:start] + "utf-8" + text[end:]


class _Limits(xml.sax.handler.ContentHandler):
    def __init__(self):
        super().__init__()
        self.depth = 0

    def startElement(self, name, attrs):  # noqa: N802 - the SAX interface
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ParseError(f"The feed nests elements more than {MAX_DEPTH} deep; {REFUSED}.")

    def endElement(self, name):  # noqa: N802
        self.depth -= 1


def _well_formed_within_limits(utf8: bytes) -> bool:
    """Stream the XML once: True if it is well-formed, ParseError past a limit or at an
    entity declaration or external reference, False if it is not well-formed XML."""
    try:
        defusedxml.sax.parseString(
            utf8, _Limits(), forbid_dtd=False, forbid_entities=True, forbid_external=True
        )
    except defusedxml.EntitiesForbidden:
        raise ParseError(
            f"The feed declares XML entities (a possible XML bomb); {REFUSED}."
        ) from None
    except defusedxml.ExternalReferenceForbidden:
        raise ParseError(f"The feed refers to external XML entities; {REFUSED}.") from None
    except defusedxml.DefusedXmlException as exc:
        raise ParseError(f"The feed uses forbidden XML constructs ({exc}).") from None
    except xml.sax.SAXException:
        return False
    return True


def _markup(text: str) -> int:
    """Tags outside CDATA sections (HTML inside CDATA is text to an XML parser)."""
    return text.count("<") - sum(m.group().count("<") - 1 for m in _CDATA_RE.finditer(text))


def _check_loose_depth(text: str) -> None:
    """Depth as a lenient parser would nest it: open tags not yet closed (void tags aside)."""
    depth = 0
    for close, name, empty in (m.groups() for m in _TAG_RE.finditer(_CDATA_RE.sub("", text))):
        if close:
            depth = max(depth - 1, 0)
        elif not empty and name.lower() not in _VOID:
            depth += 1
            if depth > MAX_DEPTH:
                raise ParseError(f"The feed nests elements more than {MAX_DEPTH} deep; {REFUSED}.")
