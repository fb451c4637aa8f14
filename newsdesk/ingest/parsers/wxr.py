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
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from lxml import etree

from .capture import ParseError, clean_line
from .entry import html_to_text

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


# --- post content: WordPress's own markup made plain HTML ---------------------------------------

# Gutenberg keeps its block structure in HTML comments; the HTML between them is the content.
_BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:[^>]*?-->", re.S)
# Shortcodes are only WordPress's when a plugin registered them: only these names are treated
# as shortcodes, so "[sic]" or "[1]" in a story stay text. Page-builder names go by prefix.
_WRAPPERS = {
    "column",
    "columns",
    "one_half",
    "one_third",
    "two_thirds",
    "one_fourth",
    "three_fourths",
    "row",
    "section",
    "box",
    "highlight",
    "dropcap",
    "pullquote",
}
_WRAPPER_PREFIXES = ("vc_", "et_pb_", "fusion_", "su_", "av_", "cs_", "tie_", "mk_")
_DROPPED = {
    "gallery",
    "playlist",
    "contact-form",
    "contact-form-7",
    "gravityform",
    "ninja_form",
    "wpforms",
    "mc4wp_form",
    "adsense",
    "ad",
    "related",
    "related_posts",
    "wp_ad_camp",
}
_EMBEDS = {"embed", "youtube", "vimeo", "video", "audio", "tweet", "twitter", "instagram"}
_SHORTCODE = re.compile(
    r"\[(\[?)(/?)([A-Za-z][\w-]*)((?:\s[^\]]*?)?)(/?)\](\]?)",
)
_ATTR = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))""")


def _shortcode_name(name: str) -> str | None:
    low = name.lower()
    if low in ("caption", "wp_caption"):
        return "caption"
    if low in _WRAPPERS or low.startswith(_WRAPPER_PREFIXES):
        return "wrapper"
    if low in _DROPPED:
        return "dropped"
    if low in _EMBEDS:
        return "embed"
    return None


def _attrs(text: str) -> dict[str, str]:
    return {m[1].lower(): m[2] or m[3] or m[4] or "" for m in _ATTR.finditer(text)}


def strip_shortcodes(content: str) -> str:
    """Known shortcodes made HTML: a caption a figure, an embed a link, a layout wrapper its
    content; forms, galleries and ads are dropped; unknown [brackets] are left as they are."""
    out: list[str] = []
    pos = 0
    stack: list[tuple[str, str, dict[str, str], int]] = []  # (kind, name, attrs, out index)
    for m in _SHORTCODE.finditer(content):
        escaped_open, closing, name, attr_text, self_closing, escaped_close = m.groups()
        kind = _shortcode_name(name)
        if kind is None:
            continue
        out.append(content[pos : m.start()])
        pos = m.end()
        if escaped_open and escaped_close:  # [[caption]] is the text "[caption]"
            out.append(m.group(0)[1:-1])
            continue
        if closing:
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][1] == name.lower():
                    open_kind, _n, attrs, index = stack[depth]
                    del stack[depth:]
                    inner = "".join(out[index:])
                    del out[index:]
                    out.append(_render(open_kind, attrs, inner))
                    break
            continue
        attrs = _attrs(attr_text)
        if self_closing or not _closes(content, pos, name):
            # [youtube https://...]: the address is the shortcode's one bare word.
            bare = attr_text.strip() if "=" not in attr_text else ""
            out.append(_render(kind, attrs, bare if kind == "embed" else ""))
            continue
        stack.append((kind, name.lower(), attrs, len(out)))
    out.append(content[pos:])
    return "".join(out)


def _closes(content: str, pos: int, name: str) -> bool:
    return f"[/{name}]".lower() in content[pos:].lower()


def _render(kind: str, attrs: dict[str, str], inner: str) -> str:
    if kind == "wrapper":
        return inner
    if kind == "dropped":
        return ""
    if kind == "embed":
        url = (inner.strip() or attrs.get("url") or attrs.get("src") or "").strip()
        if url.startswith(("http://", "https://")) and "<" not in url:
            safe = html.escape(url, quote=True)
            return f'<p><a href="{safe}">{safe}</a></p>'
        return ""
    # [caption]<img ...> The caption text[/caption]: the picture, then what is said of it.
    split = re.match(r"\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)\Z", inner, re.S | re.I)
    if not split:
        return inner
    image, caption = split.group(1), clean_line(split.group(2))
    caption = caption or attrs.get("caption", "")
    tail = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f"\n\n<figure>{image}{tail}</figure>\n\n"


_BLOCK_START = re.compile(
    r"\s*<(?:p|h[1-6]|ul|ol|li|blockquote|figure|table|thead|tbody|tr|td|th|div|pre|hr|"
    r"section|article|aside|dl|dd|dt|form|iframe|address|details|summary|caption)\b",
    re.I,
)


def wpautop(text: str) -> str:
    """Paragraphs from blank lines, as WordPress's classic editor stores them, line breaks as
    <br>; chunks that already start with a block element are left as they are."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return ""
    chunks = re.split(r"\n\s*\n", text)
    out = []
    for chunk in chunks:
        if not chunk.strip():
            continue
        if _BLOCK_START.match(chunk):
            out.append(chunk.strip())
        else:
            out.append("<p>" + chunk.strip().replace("\n", "<br>\n") + "</p>")
    return "\n".join(out)


def wordpress_html(content: str) -> str:
    """The HTML of a post's content (still untrusted: the importer sanitizes it)."""
    content = _BLOCK_COMMENT.sub("\n\n", content)
    return wpautop(strip_shortcodes(content))


# --- old addresses ---------------------------------------------------------------------------


def permalinks(item: WxrItem, *, blog_url: str) -> list[str]:
    """The addresses a post may have had on the old site, path (and query) only: its own link,
    /?p=ID, and the usual permalink structures (by date, by name, /archives/ID)."""
    base = urlsplit(blog_url).path.rstrip("/") if blog_url else ""
    paths = [f"{base}/?p={item.post_id}", f"{base}/index.php?p={item.post_id}"]
    paths.append(f"{base}/archives/{item.post_id}")
    if item.link:
        parts = urlsplit(item.link)
        if parts.path or parts.query:
            paths.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    if item.slug:
        slug = item.slug
        paths.append(f"{base}/{slug}/")
        when = item.date_local or (item.date_gmt.replace(tzinfo=None) if item.date_gmt else None)
        if when:
            paths += [
                f"{base}/{when:%Y/%m/%d}/{slug}/",
                f"{base}/{when:%Y/%m}/{slug}/",
                f"{base}/{when:%Y}/{slug}/",
                f"{base}/index.php/{when:%Y/%m/%d}/{slug}/",
            ]
    return list(dict.fromkeys(paths))
