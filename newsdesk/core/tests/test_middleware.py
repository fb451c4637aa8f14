import re

import pytest
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
    # Persian digits and the momayyez (U+066B), as the reference page writes 0/6740.
    assert re.search(r"<p>[۰-۹]+\u066b[۰-۹]{4}</p>", body), body


@pytest.mark.django_db
def test_the_admin_follows_the_editors_language_and_public_pages_the_sites(client):
    persian = client.get("/admin/login/", headers={"Accept-Language": "fa"})
    assert persian["Content-Language"] == "fa"
    assert "accept-language" in persian["Vary"].lower()
    assert 'lang="fa" dir="rtl"' in persian.content.decode()
    english = client.get("/admin/login/", headers={"Accept-Language": "en"})
    assert 'lang="en"' in english.content.decode()
    public = client.get("/", headers={"Accept-Language": "fa"})
    assert '<html lang="en" dir="ltr">' in public.content.decode()
    assert "accept-language" not in public.get("Vary", "").lower()
