"""Server time of every request: a Server-Timing header, and the page footer's figure."""

import time
from urllib.parse import unquote

from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from .l10n import number

# Templates print this marker where the footer shows the time; it is replaced when the page is done.
PAGE_TIME_MARKER = "<!--newsdesk:page-time-->"
_MARKER_BYTES = PAGE_TIME_MARKER.encode()


class ServerTimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        response["Server-Timing"] = f"app;dur={elapsed * 1000:.2f}"
        if not response.streaming and _MARKER_BYTES in response.content:
            # Numbers follow the site's language: a Persian site shows ۰٫۰۰۱۲ (core/l10n.py).
            figure = number(elapsed, decimal_pos=4).encode()
            response.content = response.content.replace(_MARKER_BYTES, figure)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response


class NulRefusedMiddleware:
    """A NUL character in the address or query string is never part of a real link, and
    PostgreSQL refuses it in any text it is given: answer 400 before a view reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "\x00" in unquote(request.META.get("QUERY_STRING", "")):
            from django.http import HttpResponseBadRequest, JsonResponse

            message = "The address holds a NUL character, which no page of this site has."
            if request.path.startswith("/api/"):
                return JsonResponse({"message": message, "errors": []}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class EditorLanguageMiddleware:
    """The admin in each editor's own language: the one their browser asks for (Accept-Language,
    or Django's language cookie), among settings.LANGUAGES. Public pages stay in the site's
    language (NEWSDESK_LANGUAGE): they are one copy for every reader, never varied by language."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = None

    def __call__(self, request):
        if self.prefix is None:
            self.prefix = reverse("admin:index")
        if not request.path_info.startswith(self.prefix):
            return self.get_response(request)
        language = translation.get_language_from_request(request)
        request.LANGUAGE_CODE = language
        with translation.override(language):
            response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", language)
        return response
