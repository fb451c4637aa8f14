from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

urlpatterns = [
    path("admin/", admin.site.urls),
    path("captcha/", include("newsdesk.captcha.urls")),
    path("comments/", include("newsdesk.comments.urls")),
    path("api/", include("newsdesk.api.urls")),
    path("", include("newsdesk.feeds.urls")),
    path("", include("newsdesk.site.urls")),
]

# Error pages are reader pages too (newsdesk/site/views/errors.py).
handler400 = "newsdesk.site.views.errors.bad_request"
handler404 = "newsdesk.site.views.errors.page_not_found"
handler500 = "newsdesk.site.views.errors.server_error"

# Uploaded media on the single-machine default; at scale a web server or object store serves them.
urlpatterns += [
    path(
        f"{settings.MEDIA_URL.strip('/')}/<path:path>",
        serve,
        {"document_root": settings.MEDIA_ROOT},
    )
]
