"""deploy/varnish/newsdesk.vcl in a real varnishd: what it keeps, what it passes, how it purges.

Most tests put Varnish in front of a small WSGI backend whose answers each test chooses (the
headers the origin sends, newsdesk/core/surrogate.py), so that each rule is shown on its own;
the last ones put it in front of the site itself: `newsdesk serve` in a subprocess, and the
site's WSGI application in a thread of the test process (whose committed purges reach it).
"""

import http.client
import itertools
import tempfile
import time
from pathlib import Path
from unittest import mock

import pytest
from django.db import transaction
from django.test import SimpleTestCase

from newsdesk.core.edge import edge_purge

from .varnish import VarnishLiveServerTestCase, run_app_server, run_varnish, run_wsgi

pytestmark = pytest.mark.edge

PUBLIC = "public, max-age=60, s-maxage=86400, stale-while-revalidate=60, stale-if-error=86400"
_paths = itertools.count()


class Origin:
    """Answers what a test registers for a path (404 otherwise), numbering each answer so the
    test sees which copy it got."""

    def __init__(self):
        self.pages: dict[str, dict] = {}
        self.served = 0

    def page(self, *, keys=(), cache_control=PUBLIC, status="200 OK", headers=()) -> str:
        path = f"/page-{next(_paths)}/"
        self.pages[path] = {
            "status": status,
            "headers": [("Content-Type", "text/plain"), *headers]
            + ([("Cache-Control", cache_control)] if cache_control else [])
            + ([("Surrogate-Key", " ".join(keys))] if keys else []),
        }
        return path

    def __call__(self, environ, start_response):
        self.served += 1
        page = self.pages.get(environ["PATH_INFO"])
        if page is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        start_response(page["status"], page["headers"])
        return [f"copy {self.served}".encode()]


@pytest.fixture(scope="module")
def edge():
    origin = Origin()
    with run_wsgi(origin) as backend, run_varnish(backend_port=backend.port) as varnish:
        varnish.origin = origin
        varnish.backend = backend
        yield varnish


def test_repeated_anonymous_get_is_a_hit_and_keys_stay_at_the_edge(edge):
    path = edge.origin.page(keys=["article-1", "all"])
    first, second = edge.get(path), edge.get(path)
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT")
    assert second.text == first.text
    assert edge.backend.seen(path) == 1
    assert second.headers["Cache-Control"] == PUBLIC
    assert "Surrogate-Key" not in second.headers
    assert "xkey" not in second.headers
    head = edge.request("HEAD", path)
    assert head.headers["X-Cache"] == "HIT"


def test_reader_with_a_session_passes_to_the_origin_with_the_cookie(edge):
    path = edge.origin.page(keys=["article-2"])
    edge.get(path)  # an anonymous copy is kept
    for _ in range(2):
        response = edge.get(path, cookies={"sessionid": "editor", "csrftoken": "x"})
        assert response.headers["X-Cache"] == "PASS"
    assert edge.backend.seen(path) == 3
    assert "sessionid=editor" in edge.backend.received[-1]["HTTP_COOKIE"]


def test_other_cookies_do_not_split_the_cache_nor_reach_the_origin(edge):
    path = edge.origin.page(keys=["article-3"])
    answers = [
        edge.get(path, cookies={"csrftoken": "a"}),
        edge.get(path, cookies={"csrftoken": "b", "_ga": "GA1.1"}),
        edge.get(path),
    ]
    assert [a.headers["X-Cache"] for a in answers] == ["MISS", "HIT", "HIT"]
    assert edge.backend.seen(path) == 1
    assert "HTTP_COOKIE" not in edge.backend.received[-1]


def test_post_and_other_writes_pass(edge):
    path = edge.origin.page(keys=["article-4"])
    edge.get(path)
    for method in ("POST", "POST", "PUT", "DELETE"):
        assert edge.request(method, path, data=b"x").headers["X-Cache"] == "PASS"
    assert edge.backend.seen(path) == 5


@pytest.mark.parametrize(
    "path", ["/admin/x/", "/admin", "/comments/7/form/", "/captcha/new/", "/preview/s/tok/"]
)
def test_editor_comment_captcha_and_preview_addresses_are_never_kept(edge, path):
    # Even when the answer there says it may be shared: the rule is the address.
    edge.origin.pages[path] = {
        "status": "200 OK",
        "headers": [("Cache-Control", PUBLIC), ("Surrogate-Key", "all")],
    }
    before = edge.backend.seen(path)
    answers = [edge.get(path), edge.get(path + "?page=2")]
    assert [a.headers["X-Cache"] for a in answers] == ["PASS", "PASS"]
    assert edge.backend.seen(path) == before + 2


def test_response_that_sets_a_cookie_is_not_kept(edge):
    path = edge.origin.page(keys=["article-5"], headers=[("Set-Cookie", "csrftoken=abc; Path=/")])
    answers = [edge.get(path) for _ in range(2)]
    assert [a.headers["X-Cache"] for a in answers] == ["MISS", "MISS"]
    assert answers[1].headers["Set-Cookie"].startswith("csrftoken=abc")
    assert edge.backend.seen(path) == 2


@pytest.mark.parametrize(
    "cache_control",
    [None, "private, no-cache", "no-store", "public, max-age=0, s-maxage=0"],
)
def test_response_not_declared_shareable_is_not_kept(edge, cache_control):
    path = edge.origin.page(keys=["article-6"], cache_control=cache_control)
    assert [edge.get(path).headers["X-Cache"] for _ in range(2)] == ["MISS", "MISS"]
    assert edge.backend.seen(path) == 2


def test_error_answers_are_not_kept(edge):
    path = edge.origin.page(keys=["article-7"], status="500 Internal Server Error")
    assert [edge.get(path).status_code for _ in range(2)] == [500, 500]
    assert edge.backend.seen(path) == 2


def test_purge_by_key_makes_exactly_the_copies_carrying_it_miss(edge):
    both = edge.origin.page(keys=["article-10", "section-1"])
    only = edge.origin.page(keys=["article-10"])
    other = edge.origin.page(keys=["article-11", "section-1"])
    for path in (both, only, other):
        edge.get(path)

    assert edge_purge(base_url=edge.url, keys=["article-10"]) == 2

    assert edge.get(both).headers["X-Cache"] == "MISS"
    assert edge.get(only).headers["X-Cache"] == "MISS"
    assert edge.get(other).headers["X-Cache"] == "HIT"
    assert edge.get(both).headers["X-Cache"] == "HIT"  # kept again from the fresh answer
    assert edge_purge(base_url=edge.url, keys=["article-10", "article-11"]) == 3


def test_purged_copy_is_never_served_again_even_when_the_origin_fails(edge):
    # Hard purge: an unpublished story must not come back as a stale copy (stale-if-error).
    path = edge.origin.page(keys=["article-12"])
    assert edge.get(path).status_code == 200
    edge_purge(base_url=edge.url, keys=["article-12"])
    edge.origin.pages[path]["status"] = "503 Service Unavailable"
    response = edge.get(path)
    assert (response.status_code, response.headers["X-Cache"]) == (503, "MISS")


def _purge_from(edge, source: str, headers: dict) -> int:
    # The ACL admits 127.0.0.1 and ::1; 127.0.0.2 is another host on the same loopback.
    connection = http.client.HTTPConnection("127.0.0.1", edge.port, source_address=(source, 0))
    try:
        connection.request("PURGE", "/", headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def test_purge_from_outside_the_acl_is_refused_and_purges_nothing(edge):
    path = edge.origin.page(keys=["article-13"])
    edge.get(path)
    assert _purge_from(edge, "127.0.0.2", {"xkey-purge": "article-13"}) == 403
    assert edge.get(path).headers["X-Cache"] == "HIT"


def test_purge_without_keys_or_keys_on_a_read_purge_nothing(edge):
    path = edge.origin.page(keys=["article-14"])
    edge.get(path)
    assert _purge_from(edge, "127.0.0.1", {}) == 400
    assert edge.request("PURGE", path).status_code == 400  # no purge by address either
    edge.get(path, headers={"xkey-purge": "article-14"})  # a reader's GET cannot purge
    assert edge.get(path).headers["X-Cache"] == "HIT"
    assert edge.backend.seen(path) == 1


def test_long_key_lists_are_kept_and_purged_in_batches(edge):
    # A list page names every story it shows; a purge may name thousands of keys.
    keys = [f"article-{n}" for n in range(100_000, 101_500)]  # 21 KB of Surrogate-Key
    path = edge.origin.page(keys=keys)
    edge.get(path)
    assert edge.get(path).headers["X-Cache"] == "HIT"
    assert edge_purge(base_url=edge.url, keys=[f"x-{n}" for n in range(3000)] + keys[-1:]) == 1
    assert edge.get(path).headers["X-Cache"] == "MISS"


def test_stale_copies_within_their_grace_and_no_further():
    # s-maxage 1 s, stale-while-revalidate 1 s, stale-if-error 60 s, on three pages at once.
    origin = Origin()
    short = "public, max-age=1, s-maxage=1, stale-while-revalidate=1, stale-if-error=60"
    refreshed, waited, failing = (origin.page(keys=["grace"], cache_control=short) for _ in "abc")
    with run_wsgi(origin) as backend, run_varnish(backend_port=backend.port) as edge:
        first = {path: edge.get(path).text for path in (refreshed, waited, failing)}

        time.sleep(1.3)  # past s-maxage, within stale-while-revalidate
        assert edge.get(refreshed).text == first[refreshed]  # at once, and refreshed behind
        _wait_for(lambda: edge.get(refreshed).text != first[refreshed])
        origin.pages[failing]["status"] = "500 Internal Server Error"

        time.sleep(1.2)  # past stale-while-revalidate: readers wait for a fresh copy...
        assert edge.get(waited).text != first[waited]
        stale = edge.get(failing)  # ...unless the origin fails: then, within stale-if-error
        assert (stale.status_code, stale.text) == (200, first[failing])
    with run_varnish(backend_port=backend.port) as edge:  # nothing listens there any more
        assert edge.get(failing).status_code == 503


def _wait_for(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_real_app_server_behind_varnish():
    with run_app_server() as origin, run_varnish(backend_port=origin.port) as edge:
        # The admin is never kept, and its cookies reach the editor.
        login = [edge.get("/admin/login/") for _ in range(2)]
        assert [r.headers["X-Cache"] for r in login] == ["PASS", "PASS"]
        assert "csrftoken" in login[1].cookies

        # Static files (whitenoise) are kept.
        assert [edge.get("/static/admin/css/base.css").status_code for _ in range(2)] == [200, 200]
        assert edge.get("/static/admin/css/base.css").headers["X-Cache"] == "HIT"

        # Reader pages are kept: gunicorn and the origin's page cache behind the edge.
        assert "s-maxage" in origin.get("/").headers["Cache-Control"]
        assert edge.get("/").status_code == 200
        again = edge.get("/")
        assert (again.status_code, again.headers["X-Cache"]) == (200, "HIT")
        assert "Surrogate-Key" not in again.headers


class SiteThroughVarnishTests(VarnishLiveServerTestCase):
    """The site's own pages (config.wsgi) behind the shipped VCL, purged by committed changes."""

    def test_home_page_is_a_hit_for_readers_and_a_pass_for_editors(self):
        first, again = self.varnish.get("/"), self.varnish.get("/")
        self.assertEqual((first.status_code, again.status_code), (200, 200))
        self.assertEqual(again.headers["X-Cache"], "HIT")
        self.assertNotIn("Surrogate-Key", again.headers)
        self.assertNotIn("Set-Cookie", again.headers)
        editor = self.varnish.get("/", cookies={"sessionid": "x"})
        self.assertEqual(editor.headers["X-Cache"], "PASS")
        self.assertEqual(self.varnish.get("/admin/login/").headers["X-Cache"], "PASS")

    def test_a_committed_purge_reaches_the_edge_and_only_for_its_keys(self):
        from newsdesk.core.edge import purge_urls
        from newsdesk.core.purge import keys_purge

        self.assertEqual(purge_urls(), [self.varnish.url])
        self.varnish.get("/")
        self.varnish.get("/search/?q=x")
        with transaction.atomic():
            keys_purge(["list-home"])
            self.assertEqual(self.varnish.get("/").headers["X-Cache"], "HIT")  # not before commit
        self.assertEqual(self.varnish.get("/").headers["X-Cache"], "MISS")
        self.assertEqual(self.varnish.get("/search/?q=x").headers["X-Cache"], "HIT")


class VclTemplateTests(SimpleTestCase):
    def test_shipped_vcl_serves_127_0_0_1_port_8000_and_tests_fill_in_their_own(self):
        from .varnish import SHIPPED_VCL, vcl_for

        shipped = SHIPPED_VCL.read_text()
        self.assertIn('.host = "127.0.0.1";', shipped)
        self.assertIn('.port = "8000";', shipped)
        self.assertIn('.port = "6123";', vcl_for(backend_port=6123))
        self.assertNotIn('.port = "8000";', vcl_for(backend_port=6123))


class MissingVarnishTests(SimpleTestCase):
    def test_says_which_package_is_missing(self):
        from . import varnish

        with mock.patch.object(varnish, "varnishd_path", return_value=None):
            reason = varnish.missing.__wrapped__()
        self.assertIn("Debian packages varnish and varnish-modules", reason)

    def test_says_when_the_xkey_vmod_is_missing(self):
        from . import varnish

        with tempfile.TemporaryDirectory() as folder:
            fake = Path(folder) / "varnishd"
            fake.write_text('#!/bin/sh\necho "Could not find VMOD xkey" >&2\nexit 2\n')
            fake.chmod(0o755)
            with mock.patch.object(varnish, "varnishd_path", return_value=str(fake)):
                reason = varnish.missing.__wrapped__()
        self.assertIn("xkey vmod is missing", reason)
        self.assertIn("varnish-modules", reason)
