from django.conf import settings
from django.core.cache import cache

NAV_SECTIONS_KEY = "newsdesk:nav-sections"


def site(request):
    sections = cache.get(NAV_SECTIONS_KEY)
    if sections is None:
        from newsdesk.articles.models import Section

        sections = [(s.name, s.get_absolute_url()) for s in Section.objects.all()[:12]]
        cache.set(NAV_SECTIONS_KEY, sections, 300)
    return {"site_name": settings.NEWSDESK_SITE_NAME, "nav_sections": sections}
