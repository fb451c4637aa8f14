"""WordPress exports (WXR, the RSS dialect of Tools > Export): a stream in, dataclasses out.

An export can be gigabytes, so it is read with lxml's iterparse and every <item> is cleared
once read: memory holds one item at a time, whatever the file's size. Entities are never
resolved and nothing is fetched (no DTD, no network), so a billion-laughs or an external
entity in an export stays inert text. An item that cannot be read (no id, a date that is no
date) becomes a WxrProblem with its line, and the items after it are still read.

Nothing here touches the database: the importer (newsdesk/site/wordpress.py) stores what
these functions return.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import BinaryIO
from urllib.parse import unquote

from lxml import etree

from .capture import ParseError, clean_line
from .entry import html_to_text
from .wpcontent import wpautop

# Namespaces of WXR 1.0, 1.1 and 1.2 differ only in the version at the end.
_WP = "http://wordpress.org/export/"
_CONTENT = "http://purl.org/rss/1.0/modules/content/"
_DC = "http://purl.org/dc/elements/1.1/"
_EXCERPT = "/excerpt/"


@dataclass(frozen=True, slots=True)
class WxrAuthor:
    login: str
    display_name: str


@dataclass(frozen=True, slots=True)
class WxrTerm:
    kind: str  # "category" or "post_tag"
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class WxrComment:
    comment_id: int
    parent_id: int  # 0: not a reply
    author: str
    email: str
    ip: str
    date: datetime | None  # aware, UTC
    text: str  # plain text: comments are shown as text
    approved: str  # "1", "0", "spam", "trash", "post-trashed"
    kind: str  # "" or "comment" for comments; "pingback", "trackback"...


@dataclass(frozen=True, slots=True)
class WxrItem:
    """A post, a page or an attachment, as the export gives it (HTML untrusted, unconverted)."""

    post_id: int
    post_type: str
    title: str
    link: str
    content: str
    excerpt: str
    status: str  # publish, future, draft, pending, private, trash, inherit
    date_gmt: datetime | None  # aware, UTC; None for drafts never dated
    date_local: datetime | None  # naive, the blog's own clock: what permalinks are made of
    slug: str
    sticky: bool
    creator: str  # the author's login
    parent_id: int = 0
    terms: list[WxrTerm] = field(default_factory=list)
    comments: list[WxrComment] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    attachment_url: str = ""
    line: int = 0

    @property
    def thumbnail_id(self) -> int | None:
        value = self.meta.get("_thumbnail_id", "")
        return int(value) if value.isdigit() else None


@dataclass(frozen=True, slots=True)
class WxrSite:
    """What the channel says of the site: its address, authors and terms (before any item)."""

    title: str = ""
    link: str = ""
    base_blog_url: str = ""


@dataclass(frozen=True, slots=True)
class WxrProblem:
    """An item that could not be read: where it is and why, for the import's report."""

    line: int
    message: str
    post_id: int | None = None


WxrRecord = WxrSite | WxrAuthor | WxrTerm | WxrItem | WxrProblem


def _name(el) -> tuple[str, str]:
    q = etree.QName(el)
    ns = q.namespace or ""
    if _EXCERPT in ns:  # http://wordpress.org/export/1.2/excerpt/: before the wp: family
        return "excerpt", q.localname
    if ns.startswith(_WP):
        return "wp", q.localname
    if ns == _CONTENT:
        return "content", q.localname
    if ns == _DC:
        return "dc", q.localname
    return "", q.localname


def _text(el) -> str:
    return el.text or "" if el is not None else ""


def _children(el) -> dict[tuple[str, str], str]:
    """First text of each direct child, by (namespace family, local name)."""
    out: dict[tuple[str, str], str] = {}
    for child in el:
        if isinstance(child.tag, str):
            out.setdefault(_name(child), child.text or "")
    return out


def read_wxr(stream: BinaryIO) -> Iterator[WxrRecord]:
    """Every author, term and item of an export, in file order, then nothing more.

    The channel's site record comes first once its address is known (before the first item).
    A file that is not XML, or that breaks off, raises ParseError with the line where reading
    stopped; what came before was already yielded.
    """
    parser_events = etree.iterparse(
        stream,
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    channel = None
    site: dict[str, str] = {}
    site_sent = False
    seen_rss = False
    try:
        for event, el in parser_events:
            if not isinstance(el.tag, str):
                continue
            if event == "start":
                if not seen_rss:
                    if etree.QName(el).localname != "rss":
                        raise ParseError(
                            "This is not a WordPress export (its first element is "
                            f"<{etree.QName(el).localname}>, not <rss>)."
                        )
                    seen_rss = True
                elif channel is None and etree.QName(el).localname == "channel":
                    channel = el
                continue
            if channel is None or el.getparent() is not channel:
                continue
            family, local = _name(el)
            if family == "" and local in ("title", "link"):
                site.setdefault(local, clean_line(_text(el)))
            elif family == "wp" and local == "base_blog_url":
                site["base_blog_url"] = clean_line(_text(el))
            elif family == "wp" and local == "author":
                values = _children(el)
                login = clean_line(values.get(("wp", "author_login"), ""))
                if login:
                    yield WxrAuthor(
                        login=login,
                        display_name=clean_line(values.get(("wp", "author_display_name"), ""))
                        or login,
                    )
            elif family == "wp" and local in ("category", "tag"):
                term = _channel_term(el, local)
                if term is not None:
                    yield term
            elif family == "" and local == "item":
                if not site_sent:
                    yield _site(site)
                    site_sent = True
                yield _item_or_problem(el)
            else:
                continue
            # Read: forget it, and everything before it, so memory holds one item at a time.
            el.clear()
            while el.getprevious() is not None:
                del channel[0]
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or (exc.position[0] if exc.position else 0)
        raise ParseError(
            f"The export is not well-formed XML at line {line} ({exc.msg}); "
            "nothing after that point was read."
        ) from None
    if not seen_rss or channel is None:
        raise ParseError("This is not a WordPress export: it has no <rss><channel>.")
    if not site_sent:
        yield _site(site)


def _site(values: dict[str, str]) -> WxrSite:
    link = values.get("base_blog_url") or values.get("link", "")
    return WxrSite(title=values.get("title", ""), link=values.get("link", ""), base_blog_url=link)


def _channel_term(el, local: str) -> WxrTerm | None:
    values = _children(el)
    if local == "category":
        slug = values.get(("wp", "category_nicename"), "")
        name = values.get(("wp", "cat_name"), "")
        kind = "category"
    else:
        slug = values.get(("wp", "tag_slug"), "")
        name = values.get(("wp", "tag_name"), "")
        kind = "post_tag"
    name = clean_line(html.unescape(name))
    if not name:
        return None
    return WxrTerm(kind=kind, slug=clean_line(unquote(slug)), name=name)


def _int(value: str, what: str) -> int:
    value = value.strip()
    if not value:
        return 0
    if not value.isdigit():
        raise ValueError(f"its {what} {value[:20]!r} is not a number")
    return int(value)


_NO_DATE = {"", "0000-00-00 00:00:00"}


def _local(value: str, what: str) -> datetime | None:
    value = value.strip()
    if value in _NO_DATE:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise ValueError(f"its {what} {value[:30]!r} is not a date (YYYY-MM-DD HH:MM:SS)") from None


def _item_or_problem(el) -> WxrItem | WxrProblem:
    line = el.sourceline or 0
    post_id = None
    try:
        values = _children(el)
        post_id = _int(values.get(("wp", "post_id"), ""), "post_id") or None
        if post_id is None:
            raise ValueError("it has no wp:post_id")
        gmt = _local(values.get(("wp", "post_date_gmt"), ""), "post_date_gmt")
        local = _local(values.get(("wp", "post_date"), ""), "post_date")
        terms, comments, meta = [], [], {}
        for child in el:
            if not isinstance(child.tag, str):
                continue
            family, name = _name(child)
            if family == "" and name == "category":
                label = clean_line(html.unescape(child.text or ""))
                if label:
                    terms.append(
                        WxrTerm(
                            kind=child.get("domain", "category"),
                            slug=clean_line(unquote(child.get("nicename", ""))),
                            name=label,
                        )
                    )
            elif family == "wp" and name == "postmeta":
                m = _children(child)
                key = m.get(("wp", "meta_key"), "")
                if key:
                    meta[key] = m.get(("wp", "meta_value"), "")
            elif family == "wp" and name == "comment":
                comments.append(_comment(child))
        return WxrItem(
            post_id=post_id,
            post_type=clean_line(values.get(("wp", "post_type"), "post")) or "post",
            title=clean_line(html.unescape(values.get(("", "title"), ""))),
            link=clean_line(values.get(("", "link"), "")),
            content=values.get(("content", "encoded"), ""),
            excerpt=values.get(("excerpt", "encoded"), ""),
            status=clean_line(values.get(("wp", "status"), "")) or "draft",
            date_gmt=gmt.replace(tzinfo=UTC) if gmt else None,
            date_local=local,
            slug=clean_line(unquote(values.get(("wp", "post_name"), ""))),
            sticky=values.get(("wp", "is_sticky"), "0").strip() == "1",
            creator=clean_line(values.get(("dc", "creator"), "")),
            parent_id=_int(values.get(("wp", "post_parent"), ""), "post_parent"),
            terms=terms,
            comments=comments,
            meta=meta,
            attachment_url=clean_line(values.get(("wp", "attachment_url"), "")),
            line=line,
        )
    except ValueError as exc:
        what = f"item {post_id}" if post_id else "an item"
        return WxrProblem(line=line, message=f"{what} was skipped: {exc}.", post_id=post_id)


def _comment(el) -> WxrComment:
    v = _children(el)
    comment_id = _int(v.get(("wp", "comment_id"), ""), "comment_id")
    if not comment_id:
        raise ValueError("one of its comments has no wp:comment_id")
    gmt = _local(v.get(("wp", "comment_date_gmt"), ""), "comment_date_gmt")
    return WxrComment(
        comment_id=comment_id,
        parent_id=_int(v.get(("wp", "comment_parent"), ""), "comment_parent"),
        author=clean_line(html.unescape(v.get(("wp", "comment_author"), ""))),
        email=clean_line(v.get(("wp", "comment_author_email"), "")),
        ip=clean_line(v.get(("wp", "comment_author_IP"), "")),
        date=gmt.replace(tzinfo=UTC) if gmt else None,
        text=html_to_text(wpautop(v.get(("wp", "comment_content"), ""))),
        approved=clean_line(v.get(("wp", "comment_approved"), "0")) or "0",
        kind=clean_line(v.get(("wp", "comment_type"), "")),
    )
