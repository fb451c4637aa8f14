from django.conf import settings
from django.core.cache import cache

from newsdesk.core.purge import content_generation

NAV_SECTIONS_KEY = "newsdesk:nav-sections"


def site(request):
    # Kept per content generation: a section added, renamed or removed raises it.
    key = f"{NAV_SECTIONS_KEY}:{content_generation()}"
    sections = cache.get(key)
    if sections is None:
        from newsdesk.articles.models import Section

        sections = [(s.name, s.get_absolute_url()) for s in Section.objects.all()[:12]]
        cache.set(key, sections, 300)
    return {"site_name": settings.NEWSDESK_SITE_NAME, "nav_sections": sections}
