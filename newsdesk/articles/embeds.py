"""Embeds of allowed kinds: a link to a known video site on a line of its own becomes its player.

The body is stored as sanitized HTML with plain links; the player is added when the page is
rendered, from a fixed template and an id that must match the provider's pattern, so nothing a
writer types becomes markup. The Content Security Policy allows frames from these hosts only.
"""

import html
import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PROVIDERS = {
    "youtube": (
        re.compile(
            r"^https?://(?:www\.|m\.)?(?:youtube\.com/watch\?v=|youtu\.be/)([A-Za-z0-9_-]{11})(?:[&?#]\S*)?$"
        ),
        "https://www.youtube-nocookie.com/embed/{id}",
    ),
    "vimeo": (
        re.compile(r"^https?://(?:www\.)?vimeo\.com/(\d{1,12})/?$"),
        "https://player.vimeo.com/video/{id}",
    ),
}
FRAME_HOSTS = ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]
_LINK_PARAGRAPH = re.compile(r'<p><a href="([^"]+)"[^>]*>([^<]*)</a></p>')


def _player(match: re.Match) -> str:
    href, text = match.group(1), match.group(2)
    url = href.replace("&amp;", "&")
    for kind, (pattern, player) in PROVIDERS.items():
        found = pattern.match(url)
        if found:
            src = player.format(id=found.group(1))
            return (
                f'<figure class="embed embed-{kind}"><iframe src="{escape(src)}" '
                f'title="{escape(html.unescape(text)) or kind}" '
                'loading="lazy" allowfullscreen referrerpolicy="strict-origin-when-cross-origin" '
                'sandbox="allow-scripts allow-same-origin allow-presentation allow-popups">'
                f'</iframe><figcaption><a href="{href}">{text}</a></figcaption></figure>'
            )
    return match.group(0)


def embeds_render(html: str) -> SafeString:
    """`html` must be sanitized already (Article.body is)."""
    return mark_safe(_LINK_PARAGRAPH.sub(_player, html))  # noqa: S308 - fixed templates, checked ids
