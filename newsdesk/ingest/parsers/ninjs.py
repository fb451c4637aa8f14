"""ninjs (IPTC's JSON news format, 1.x and 2.x): bytes in, WireEntry list out.

A file holds one item or a list of items. Only text items are read; pictures and packages are
skipped.
"""

from __future__ import annotations

import json

from .capture import ParseError, clean_line
from .entry import WireEntry, html_to_text, iso_time, make_guid

MAX_NINJS_BYTES = 10 * 1024 * 1024


def parse_ninjs(data: bytes) -> list[WireEntry]:
    if len(data) > MAX_NINJS_BYTES:
        raise ParseError(f"The ninjs file is larger than {MAX_NINJS_BYTES // 1024 // 1024} MB.")
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ParseError("The ninjs file is not UTF-8 JSON.") from None
    except RecursionError:
        raise ParseError("The ninjs file is nested too deeply to be read.") from None
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"The ninjs file is not valid JSON ({exc.msg}, line {exc.lineno})."
        ) from None
    items = doc if isinstance(doc, list) else [doc]
    entries = []
    for item in items:
        if not isinstance(item, dict):
            raise ParseError("A ninjs item is not a JSON object.")
        if item.get("type", "text") != "text":
            continue
        entries.append(_entry(item))
    if not entries:
        raise ParseError("The ninjs file holds no text item.")
    return entries


def _str(value) -> str:
    return value if isinstance(value, str) else ""


def _entry(item: dict) -> WireEntry:
    uri = _str(item.get("uri")) or _str(item.get("guid"))
    if not uri:
        raise ParseError("A ninjs item has no 'uri'.")
    title = _str(item.get("headline"))
    if not title and isinstance(item.get("headlines"), list):  # ninjs 2.x
        title = next((_str(h.get("value")) for h in item["headlines"] if isinstance(h, dict)), "")
    html = _str(item.get("body_html"))
    text = _str(item.get("body_text"))
    if isinstance(item.get("bodies"), list):  # ninjs 2.x
        for body in item["bodies"]:
            if not isinstance(body, dict):
                continue
            kind = _str(body.get("contenttype"))
            if "html" in kind and not html:
                html = _str(body.get("value"))
            elif not text:
                text = _str(body.get("value"))
    if html:
        text = html_to_text(html)
    else:
        text = "\n\n".join(
            clean_line(p) for p in text.replace("\r\n", "\n").split("\n\n") if clean_line(p)
        )
    title = clean_line(title)
    if not title or not text:
        raise ParseError(f"The ninjs item {uri[:80]!r} has no headline or no body.")
    author = _str(item.get("byline"))
    if not author and isinstance(item.get("bylines"), list):
        author = next((_str(b.get("byline")) for b in item["bylines"] if isinstance(b, dict)), "")
    url = None
    for link in item.get("links") or []:
        if isinstance(link, dict) and _str(link.get("rel")) in {"canonical", "self", ""}:
            href = _str(link.get("href"))
            if href.startswith(("http://", "https://")):
                url = href
                break
    return WireEntry(
        guid=make_guid(uri),
        title=title[:300],
        text=text,
        html=html,
        url=url,
        published_at=iso_time(_str(item.get("firstcreated")) or _str(item.get("versioncreated"))),
        author=clean_line(author)[:120] or None,
        language=clean_line(_str(item.get("language")))[:10] or None,
        keywords=_keywords(item),
        located=clean_line(_str(item.get("located"))) or None,
        version=int(item["version"]) if _str(item.get("version")).isdigit() else None,
        withdrawn=_str(item.get("pubstatus")).lower() in {"canceled", "withheld"},
        embargo_until=iso_time(_str(item.get("embargoed"))),
    )


def _keywords(item: dict) -> tuple[str, ...]:
    """Subjects with a name, then plain keywords."""
    names = [
        clean_line(_str(s.get("name")))
        for s in item.get("subject") or []
        if isinstance(s, dict) and _str(s.get("name"))
    ]
    names += [clean_line(k) for k in item.get("keywords") or [] if isinstance(k, str)]
    return tuple(dict.fromkeys(n for n in names if n))
