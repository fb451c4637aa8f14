from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

urlpatterns = [
    # Health and metrics first: no reader page may shadow them (newsdesk/core/urls.py).
    path("", include("newsdesk.core.urls")),
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
# An admin page refused: which role opens it and who gives roles (elsewhere Django's own 403).
handler403 = "newsdesk.articles.denied.permission_denied"

# Uploaded media on the single-machine default; at scale a web server or object store serves them.
urlpatterns += [
    path(
        f"{settings.MEDIA_URL.strip('/')}/<path:path>",
        serve,
        {"document_root": settings.MEDIA_ROOT},
    )
]
