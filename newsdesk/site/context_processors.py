from django.conf import settings

from newsdesk.articles.keys import SECTIONS
from newsdesk.articles.models import Section
from newsdesk.core.surrogate import shown


def site(request):
    # Read on every page rendered (one query of a dozen rows); the page, kept whole, names the
    # navigation and each section in it, and a section's change purges exactly those pages.
    def sections():
        shown(SECTIONS)
        return [(s.name, s.get_absolute_url()) for s in Section.objects.all()[:12]]

    return {
        "site_name": settings.NEWSDESK_SITE_NAME,
        # The canonical origin, for a page that prints its own address (never the request's host).
        "site_url": settings.NEWSDESK_SITE_URL,
        "nav_sections": sections,
    }
