"""The one allow-list for HTML that readers see: article bodies, imported and ingested text."""

from urllib.parse import urljoin, urlsplit

import nh3
from django.conf import settings
from django.http.request import validate_host

ALLOWED_TAGS = {
    "p",
    "br",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "blockquote",
    "a",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "code",
    "pre",
    "hr",
    "figure",
    "figcaption",
    "img",
    # Tables of figures (results, budgets, timetables): structure only, no styling attributes.
    "table",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "srcset", "sizes", "loading"},
    "blockquote": {"cite"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitize_html(html: str) -> str:
    """Keep structure and links, drop script, styles, event handlers and unknown tags."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def sanitize_external_html(html: str, *, base_url: str | None) -> str:
    """HTML from outside (wire copy): the allow-list, and no address that leads to this site.

    Shown in the admin, `<img src="/admin/...">` from a feed would have the editor's browser
    fetch our own pages, cookies and all, just by opening the item (and a relative link would
    lead there). Relative addresses are made absolute against `base_url`, the item's own
    address, when it is an http(s) address on another host, and dropped otherwise; addresses
    on one of this site's own hosts are dropped whatever their form.
    """
    base = base_url if base_url and _foreign_web_url(base_url) else None

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "srcset":
            candidates = [c.strip().split(maxsplit=1) for c in value.split(",") if c.strip()]
            for candidate in candidates:
                candidate[0] = urljoin(base, candidate[0]) if base else candidate[0]
                if not _foreign_web_url(candidate[0]):
                    return None
            return ", ".join(" ".join(candidate) for candidate in candidates)
        if attribute in _URL_ATTRIBUTES:
            # href and src arrive made absolute (or dropped) by nh3; cite does not.
            url = urljoin(base, value) if base else value
            return url if _foreign_web_url(url) or url.startswith("mailto:") else None
        return value

    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
        url_relative=("rewrite_with_base", base) if base else "deny",
        attribute_filter=keep,
    )


_URL_ATTRIBUTES = {"href", "src", "cite"}


def _foreign_web_url(url: str) -> bool:
    """An absolute http(s) address on a host that is not one of this site's own."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    own = [h for h in settings.ALLOWED_HOSTS if h != "*"]
    own.append(urlsplit(settings.NEWSDESK_SITE_URL).hostname or "")
    return not validate_host(parts.hostname, own)
