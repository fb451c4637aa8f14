"""The mirror's copy of a page: the origin's bytes, with what must point elsewhere pointing there.

A page rendered for the mirror keeps the origin's markup. What changes, on purpose:

- absolute links to the origin (NEWSDESK_SITE_URL) point at the mirror's base URL when the mirror
  has one (canonical links, Open Graph, structured data, feeds, sitemaps, robots.txt);
- links to what the mirror holds keep their shape; links to what only the origin can do (search,
  comments, the admin, the API) become absolute links to the origin: the search box is a form
  whose action is the origin's search;
- a list's "Older stories" (?after=cursor) becomes a path, <list>/after/<cursor>/, since a static
  host answers no query strings (lists.py says which pages exist there);
- comments: the script that fetches the form is left out (it would fetch from the mirror). With
  comments "origin", "Write a comment", Reply and the form slot lead to the origin's write page;
  with "link", the slot holds "Comment on this story at <origin>" and Reply links lead to the
  comment on the origin's page. The mirror never shows a form that cannot post;
- the sitemap index's pages (?p=N) become files of their own: sitemap-articles-pN.xml.

Each document's assets (static files, pictures and their renditions) are collected from it.
"""

from __future__ import annotations

import html
import re
from contextlib import suppress
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse

COMMENT_MODES = ("link", "origin")

# Where each kind of answer is written, below a path that ends in "/".
EXTENSIONS = {
    "text/html": "html",
    "application/rss+xml": "rss",
    "application/atom+xml": "atom",
    "application/feed+json": "json",
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/plain": "txt",
}

# A start tag, its attributes quoted or not (a ">" inside quotes does not end it).
_TAG = re.compile(r"<[a-zA-Z][^\s/>]*(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")
_LINK_ATTR = re.compile(
    r"(\s)(href|src|srcset|action|data-form-url|poster)(\s*=\s*)(?:\"([^\"]*)\"|'([^']*)')",
    re.IGNORECASE,
)
_SLOT = re.compile(r'<div id="comment-form-slot"[^>]*>.*?</div>', re.DOTALL)
_SITEMAP_PAGE = re.compile(r"(/sitemap-[\w-]+)\.xml\?p=(\d+)")
# What changes at every rendering without the copy changing: the footer's time, and the build
# time of a feed (RSS lastBuildDate, Atom's feed-level updated), which for a feed without items
# is the time of the request. A feed's items carry their own times, so no change hides here.
_VOLATILE = (
    re.compile(rb'(<span class="page-time">)[^<]*(</span>)'),
    re.compile(rb"(<lastBuildDate>)[^<]*(</lastBuildDate>)"),
    re.compile(rb"\A((?:(?!<entry[\s>]).)*?<updated>)[^<]*(</updated>)", re.DOTALL),
)


@dataclass
class Result:
    text: str
    assets: set[str] = field(default_factory=set)
    next_cursor: str | None = None  # a list page's "Older stories" cursor


def same_copy(a: bytes, b: bytes) -> bool:
    """Whether two renderings are the same copy (the footer's time, a feed's build time aside)."""
    return a == b or _steady(a) == _steady(b)


def _steady(body: bytes) -> bytes:
    for pattern in _VOLATILE:
        body = pattern.sub(rb"\1\2", body)
    return body


def file_path(path: str, query: str = "", content_type: str = "text/html") -> str:
    """Where the answer at `path?query` (percent-encoded) lives in the mirror: a relative,
    decoded path; URLs keep their shape, with index files below paths that end in "/"."""
    decoded = unquote(path)
    if query:
        page = re.fullmatch(r"p=(\d+)", query)
        if not (page and re.fullmatch(r"/sitemap-[\w-]+\.xml", decoded)):
            raise ValueError(f"{path}?{query} has no place in a static mirror.")
        decoded = f"{decoded[:-4]}-p{page.group(1)}.xml"
    if decoded.endswith("/"):
        decoded += "index." + EXTENSIONS.get(content_type, "html")
    parts = decoded.lstrip("/").split("/")
    if any(not part or part.startswith(".") for part in parts):
        raise ValueError(f"{path} cannot be a file in the mirror.")
    return "/".join(parts)


def site_files() -> list[str]:
    """The site-wide addresses a mirror holds besides its pages: robots.txt, and what browsers
    ask every site for (its icon, its web app manifest) where the site has them."""
    found = [reverse("feeds:robots")]
    for name in ("site:favicon", "site:manifest"):
        with suppress(NoReverseMatch):
            found.append(reverse(name))
    return found


class Links:
    """What points where in one mirror."""

    def __init__(self, *, origin: str, base: str, comments: str):
        if comments not in COMMENT_MODES:
            raise ValueError(f"Comments are 'link' or 'origin', not {comments!r}.")
        self.origin = origin.rstrip("/")
        self.base = base.rstrip("/")
        self.comments = comments
        self.origin_host = urlsplit(self.origin).netloc
        self._origin_prefix = re.compile(re.escape(self.origin) + r"(?=[/\"'<\s?#]|$)")
        self.static_url = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else None
        self.media_url = settings.MEDIA_URL if settings.MEDIA_URL.startswith("/") else None
        # First path segments of what the mirror holds: stories, lists, feeds, files.
        self._segments = {
            reverse("site:article", kwargs={"news_id": 1, "slug": "s"}).split("/")[1],
            reverse("site:section", kwargs={"slug": "s"}).split("/")[1],
            reverse("site:keyword", kwargs={"slug": "s"}).split("/")[1],
            reverse("site:author", kwargs={"slug": "s"}).split("/")[1],
            reverse("feeds:site", kwargs={"fmt": "rss"}).split("/")[1],
        }
        self._segments |= {
            u.strip("/").split("/")[0] for u in (self.static_url, self.media_url) if u
        }
        self._files = {reverse("site:home"), *site_files()}
        marker = 987654321
        write = reverse("comments:write", args=[marker])
        self._write = re.compile(re.escape(write).replace(str(marker), r"(\d+)") + "$")
        self._dropped_scripts = [static("comments/form.js"), static("captcha/refresh.js")]
        self._assets = self._asset_pattern()

    def _asset_pattern(self) -> re.Pattern | None:
        prefixes = [re.escape(u) for u in (self.static_url, self.media_url) if u]
        if not prefixes:
            return None
        host = f"(?:{re.escape(self.base)})?"
        return re.compile(rf"(?<=[\"'(\s,=]){host}((?:{'|'.join(prefixes)})[^\s\"'<>(),?#]+)")

    def mirrored(self, path: str) -> bool:
        """Whether the mirror holds what is at `path` (a path on the origin)."""
        if path in self._files or re.fullmatch(r"/sitemap[\w-]*\.xml", path):
            return True
        return path.split("/")[1] in self._segments if path.startswith("/") else False

    # Documents ------------------------------------------------------------------------------

    def _to_base(self, text: str) -> str:
        if self.base == self.origin:
            return text
        return self._origin_prefix.sub(self.base.replace("\\", r"\\"), text)

    def _collect(self, text: str) -> set[str]:
        if self._assets is None:
            return set()
        return {unquote(found) for found in self._assets.findall(text)}

    def text(self, text: str) -> Result:
        """robots.txt, JSON feeds: absolute links only."""
        text = self._to_base(text)
        return Result(text, self._collect(text))

    def xml(self, text: str, *, assets: bool = True) -> Result:
        """Feeds and sitemaps: absolute links, and sitemap pages as files (a sitemap uses no
        assets: `assets=False` spares a scan of its 50,000 addresses)."""
        text = _SITEMAP_PAGE.sub(r"\1-p\2.xml", self._to_base(text))
        return Result(text, self._collect(text) if assets else set())

    def html(self, text: str, *, page_path: str, list_base: str | None = None) -> Result:
        """A page shown at `page_path` on the origin; `list_base`: the list it is a page of."""
        text = self._to_base(text)
        for src in self._dropped_scripts:
            text = re.sub(rf'<script src="{re.escape(src)}"[^>]*></script>\n?', "", text)
        origin_page = self.origin + page_path
        if self.comments == "link":
            link = (
                f'<div id="comment-form-slot" class="comment-form-slot"><p class="write-comment">'
                f'<a href="{html.escape(origin_page)}#comments">Comment on this story at '
                f"{html.escape(self.origin_host)}</a></p></div>"
            )
            text = _SLOT.sub(lambda m: link, text)
        result = Result(text)

        def attribute(match: re.Match) -> str:
            space, name, equals, double, single = match.groups()
            value = html.unescape(double if double is not None else single)
            if name.lower() == "srcset":
                parts = [p.strip().split(None, 1) for p in value.split(",") if p.strip()]
                new = ", ".join(
                    " ".join([self._link(p[0], result, origin_page, list_base), *p[1:]])
                    for p in parts
                )
            else:
                new = self._link(value, result, origin_page, list_base)
            if new == value:
                return match.group(0)
            return f'{space}{name}{equals}"{html.escape(new)}"'

        def tag(match: re.Match) -> str:
            return _LINK_ATTR.sub(attribute, match.group(0))

        result.text = _TAG.sub(tag, text)
        result.assets = self._collect(result.text)
        return result

    def link(self, url: str, *, page_path: str) -> str:
        """Where a link found on the page at `page_path` points in the mirror."""
        return self._link(url, Result(""), self.origin + page_path, None)

    def _link(self, url: str, result: Result, origin_page: str, list_base: str | None) -> str:
        if url.startswith("?"):
            return self._pager(url, result, list_base)
        if not url or url.startswith("#"):
            return url
        if url.startswith(self.base + "/") or url == self.base:
            path = url[len(self.base) :] or "/"
        elif url.startswith("/") and not url.startswith("//"):
            path = url
        else:
            return url  # another site, the origin on purpose, or relative to the page itself
        parts = urlsplit(path)
        write = self._write.match(parts.path)
        if write and self.comments == "link":
            reply = re.fullmatch(r"reply_to=(\d+)", parts.query)
            return origin_page + (f"#comment-{reply.group(1)}" if reply else "#comments")
        if self.mirrored(parts.path):
            return url
        return self.origin + path

    def _pager(self, url: str, result: Result, list_base: str | None) -> str:
        if list_base is None:
            return url
        after = re.fullmatch(r"\?after=([A-Za-z0-9_-]+)", url)
        if after:
            result.next_cursor = after.group(1)
            return f"{list_base}after/{after.group(1)}/"
        return list_base if url == "?" else url


def redirect_page(target: str, canonical: str) -> str:
    """A page that sends readers (and crawlers) on to `target`: a static host answers no 301."""
    where = html.escape(target)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Moved</title>\n'
        f'<link rel="canonical" href="{html.escape(canonical)}">\n'
        f'<meta http-equiv="refresh" content="0; url={where}">\n'
        '<meta name="robots" content="noindex">\n</head>\n'
        f'<body><p>This page is now at <a href="{where}">{where}</a>.</p></body></html>\n'
    )
