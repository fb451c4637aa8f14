"""WordPress's own markup made plain HTML (shortcodes, Gutenberg blocks, the classic editor's
blank-line paragraphs), and the addresses a post had on the old site. Pure functions; the
result is still untrusted HTML, which the importer sanitizes."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .capture import clean_line

if TYPE_CHECKING:
    from .wxr import WxrItem

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
