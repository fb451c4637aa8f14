from django.conf import settings

from newsdesk.articles.keys import SECTIONS, section_key
from newsdesk.articles.models import Section
from newsdesk.core.pagecache import kept
from newsdesk.core.surrogate import shown


def _nav_sections() -> list[tuple[str, str, str]]:
    return [(s.name, s.get_absolute_url(), section_key(s.pk)) for s in Section.objects.all()[:12]]


def site(request):
    # On every page rendered; the page, kept whole, names the navigation and each section in
    # it, and a section's change purges exactly those pages, and the navigation kept here.
    def sections():
        shown(SECTIONS)
        links = kept("nav-sections", (SECTIONS,), _nav_sections)
        shown(*(key for _, _, key in links))
        return [(name, url) for name, url, _ in links]

    return {
        "site_name": settings.NEWSDESK_SITE_NAME,
        # The canonical origin, for a page that prints its own address (never the request's host).
        "site_url": settings.NEWSDESK_SITE_URL,
        "nav_sections": sections,
    }
