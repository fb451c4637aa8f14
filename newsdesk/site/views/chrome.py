"""What browsers ask of every site besides its pages: /favicon.ico and the web app manifest."""

import json

from django.conf import settings
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

DAY = 86_400


@require_safe
@cache_control(public=True, max_age=DAY)
def favicon(request):
    # Asked for at the root by browsers and feed readers that never read the page's <link>.
    return HttpResponsePermanentRedirect(static("newsdesk/favicon.ico"))


@require_safe
@cache_control(public=True, max_age=DAY)
def manifest(request):
    """The web app manifest: the name and icons a phone shows for the site on its home screen."""
    icons = [
        {"src": static("newsdesk/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("newsdesk/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": static("newsdesk/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
        {"src": static("newsdesk/favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
    ]
    body = {
        "name": settings.NEWSDESK_SITE_NAME,
        "short_name": settings.NEWSDESK_SITE_NAME[:12],
        "start_url": "/",
        "display": "browser",
        "background_color": "#ffffff",
        "theme_color": "#a4161a",
        "icons": icons,
    }
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, indent=1),
        content_type="application/manifest+json; charset=utf-8",
    )
