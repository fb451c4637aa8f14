import re

from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.utils import translation

from newsdesk.core.middleware import PAGE_TIME_MARKER, ServerTimingMiddleware


def _respond(body: str):
    return ServerTimingMiddleware(lambda request: HttpResponse(body))(RequestFactory().get("/"))


def test_server_timing_header_is_sent_on_every_response():
    response = _respond("plain")
    assert re.fullmatch(r"app;dur=\d+\.\d\d", response["Server-Timing"])


def test_page_time_marker_is_replaced_by_the_request_time():
    response = _respond(f"<p>Page generated in {PAGE_TIME_MARKER} sec</p>")
    body = response.content.decode()
    assert PAGE_TIME_MARKER not in body
    seconds = float(re.search(r"in (\d+\.\d{4}) sec", body).group(1))
    header_ms = float(response["Server-Timing"].split("dur=")[1])
    # The footer and the header report the same measurement, in seconds and milliseconds.
    assert abs(seconds * 1000 - header_ms) < 0.1


@override_settings(LANGUAGE_CODE="fa")
def test_persian_site_shows_the_persian_decimal_separator():
    with translation.override("fa"):
        body = _respond(f"<p>{PAGE_TIME_MARKER}</p>").content.decode()
    assert re.search(r"<p>\d+\u066b\d{4}</p>", body), body
