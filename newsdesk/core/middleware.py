"""Server time of every request: a Server-Timing header, and the page footer's figure."""

import time

from django.utils.formats import number_format

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
            # Numbers follow the site's locale: a Persian site shows 0٫0012.
            figure = number_format(elapsed, decimal_pos=4).encode()
            response.content = response.content.replace(_MARKER_BYTES, figure)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response
