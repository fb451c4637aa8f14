"""Server time of every request: a Server-Timing header, and the page footer's figure."""

import time
from urllib.parse import unquote

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
