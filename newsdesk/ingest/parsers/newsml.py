"""NewsML-G2 (IPTC's XML news format): news items and packages, bytes in, WireEntry list out.

A document is a newsItem, a packageItem, or a newsMessage holding several. Read for each item:
its guid and version, pubStatus (canceled or withheld withdraws it), embargo, headline, body
(NITF or XHTML inline, or plain text), subjects and keywords, located, by-line, language and
times. A package becomes one entry whose text lists the items it groups.

Documents are screened like feeds (screen.py: encoding, no entity declarations, bounded markup
and depth) and parsed without entities or network; the body's HTML stays untrusted (the store
sanitizes it).
"""

from __future__ import annotations

from lxml import etree

from .capture import ParseError, clean_line
from .entry import WireEntry, html_to_text, iso_time, make_guid
from .screen import screen_xml

G2 = "http://iptc.org/std/nar/2006-10-01/"
NITF = "http://iptc.org/std/NITF/2006-10-18/"
XHTML = "http://www.w3.org/1999/xhtml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
WITHDRAWN = {"stat:canceled", "stat:withheld"}
ITEM_TAGS = {f"{{{G2}}}newsItem", f"{{{G2}}}packageItem"}

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_pis=True
)
# NITF's own names for HTML's elements; the rest of NITF's inline markup is HTML already.
_NITF_TAGS = {"hl1": "h2", "hl2": "h2", "block": "div", "nitf-table": "table", "bq": "blockquote"}
_NITF_DROPPED = {"media", "note", "fn", "tobject", "identified-content", "body.end", "hedline"}


def looks_like_newsml(data: bytes) -> bool:
    return G2.encode() in data[:4096]


def parse_newsml(data: bytes) -> list[WireEntry]:
    if not data or not data.strip():
        raise ParseError("The NewsML-G2 document is empty.")
    checked = screen_xml(data)
    try:
        root = etree.fromstring(checked, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"The NewsML-G2 document is not well-formed XML ({exc.msg}).") from None
    if root.tag in ITEM_TAGS:
        items = [root]
    elif root.tag == f"{{{G2}}}newsMessage":
        items = [el for el in root.iter(*ITEM_TAGS)]
    else:
        raise ParseError(
            f"This is not a NewsML-G2 item (its root is <{etree.QName(root).localname}>)."
        )
    entries = [_entry(item) for item in items]
    if not entries:
        raise ParseError("The NewsML-G2 message holds no news item or package.")
    return entries


def _g2(el, path: str):
    return el.find(path.replace("g:", f"{{{G2}}}")) if el is not None else None


def _all(el, path: str):
    return el.findall(path.replace("g:", f"{{{G2}}}")) if el is not None else []


def _txt(el) -> str:
    return clean_line("".join(el.itertext())) if el is not None else ""


def _entry(item) -> WireEntry:
    guid = (item.get("guid") or "").strip()
    if not guid:
        raise ParseError("A NewsML-G2 item has no guid.")
    meta, content = _g2(item, "g:itemMeta"), _g2(item, "g:contentMeta")
    status = (
        _g2(meta, "g:pubStatus").get("qcode", "") if _g2(meta, "g:pubStatus") is not None else ""
    )
    withdrawn = status.strip().lower() in WITHDRAWN
    title = _txt(_g2(content, "g:headline"))
    if item.tag == f"{{{G2}}}packageItem":
        html, text = _package_body(item)
    else:
        html, text = _body(item)
    if not title and text:
        title = text.split("\n\n", 1)[0][:200]
    if not title and not withdrawn:
        raise ParseError(f"The NewsML-G2 item {guid[:80]!r} has no headline and no body.")
    keywords = [_txt(_g2(s, "g:name")) for s in _all(content, "g:subject")]
    keywords += [_txt(k) for k in _all(content, "g:keyword")]
    version = item.get("version", "")
    language = _g2(content, "g:language")
    lang = (language.get("tag") if language is not None else None) or item.get(XML_LANG)
    byline = _txt(_g2(content, "g:by")) or _txt(_g2(content, "g:creator/g:name"))
    created = iso_time(_txt(_g2(content, "g:contentCreated"))) or iso_time(
        _txt(_g2(meta, "g:firstCreated"))
    )
    return WireEntry(
        guid=make_guid(guid),
        title=title[:300] or guid[:300],
        text=text,
        html=html,
        url=_web_link(meta),
        published_at=created or iso_time(_txt(_g2(meta, "g:versionCreated"))),
        author=byline[:120] or None,
        language=(clean_line(lang or "")[:10]) or None,
        keywords=tuple(dict.fromkeys(k for k in keywords if k)),
        located=_txt(_g2(content, "g:located/g:name")) or None,
        version=int(version) if version.isdigit() else None,
        withdrawn=withdrawn,
        embargo_until=iso_time(_txt(_g2(meta, "g:embargoed"))),
    )


def _web_link(meta) -> str | None:
    for link in _all(meta, "g:link"):
        href = (link.get("href") or "").strip()
        if href.startswith(("http://", "https://")) and link.get("contenttype", "text/html") in (
            "text/html",
            "application/xhtml+xml",
        ):
            return href
    return None


def _body(item) -> tuple[str, str]:
    """The body as (untrusted HTML, text): NITF or XHTML inline, else plain text."""
    for inline in _all(item, "g:contentSet/g:inlineXML"):
        nitf = inline.find(f".//{{{NITF}}}body.content")
        if nitf is None:
            nitf = inline.find(".//body.content")  # NITF without its namespace
        if nitf is not None:
            html = _html(nitf, nitf=True)
            return html, html_to_text(html)
        body = inline.find(f".//{{{XHTML}}}body")
        if body is None:
            body = inline.find(".//body")
        if body is not None:
            html = _html(body, nitf=False)
            return html, html_to_text(html)
    for data in _all(item, "g:contentSet/g:inlineData"):
        raw = (data.text or "").replace("\r\n", "\n")
        text = "\n\n".join(p for p in (clean_line(x) for x in raw.split("\n\n")) if p)
        return "", text
    return "", ""


def _html(container, *, nitf: bool) -> str:
    """The container's children as plain (namespace-free) HTML."""
    copy = etree.fromstring(etree.tostring(container))
    for el in list(copy.iter()):
        if not isinstance(el.tag, str):
            continue
        local = etree.QName(el).localname
        if nitf and local in _NITF_DROPPED:
            el.getparent().remove(el) if el.getparent() is not None else None
            continue
        el.tag = _NITF_TAGS.get(local, local) if nitf else local
    etree.cleanup_namespaces(copy)
    head = copy.text or ""
    return head + "".join(
        etree.tostring(child, method="html", encoding="unicode", with_tail=True) for child in copy
    )


def _package_body(item) -> tuple[str, str]:
    """A package's text: one paragraph per item it groups (title, and description if any)."""
    lines = []
    for ref in _all(item, ".//g:itemRef"):
        title = _txt(_g2(ref, "g:title"))
        description = _txt(_g2(ref, "g:description"))
        line = " — ".join(x for x in (title, description) if x)
        if line:
            lines.append(line)
    text = "\n\n".join(lines)
    return "", text
