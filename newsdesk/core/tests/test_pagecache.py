"""The origin's page cache (core/pagecache.py): keeps what may be shared, purges exactly by key."""

import subprocess
import sys
import tempfile
from pathlib import Path

import time_machine
from django.core.cache import caches
from django.test import SimpleTestCase, override_settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from newsdesk.core import pagecache
from newsdesk.core.pagecache import PageCache, PurgeLog

from .varnish import run_wsgi
from .wsgi import wsgi_get

PUBLIC = "public, max-age=60, s-maxage=600"


class Backend:
    """A WSGI application that counts its calls and answers what each path asks for."""

    def __init__(self):
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        path = environ["PATH_INFO"]
        headers = [("Content-Type", "text/html"), ("ETag", '"v1"')]
        if path.startswith("/cookie"):
            headers.append(("Set-Cookie", "a=b"))
        if path.startswith("/private"):
            headers.append(("Cache-Control", "private, no-cache"))
        else:
            headers.append(("Cache-Control", PUBLIC))
        if not path.startswith("/nokeys"):
            keys = "article-1 list-home" if path.startswith("/one") else "article-2"
            headers.append(("Surrogate-Key", keys))
        if path.startswith("/vary"):
            headers.append(("Vary", "Cookie"))
        start_response("200 OK", headers)
        return [f"{path} #{self.calls}".encode()]


def environ(path: str) -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
    }


class Edge:
    """An edge that takes every purge, recording it (run by run_wsgi)."""

    def __call__(self, environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"purged"]


class PageCacheTests(SimpleTestCase):
    def setUp(self):
        caches[pagecache.CACHE_ALIAS].clear()
        self.backend = Backend()
        self.app = PageCache(self.backend)

    def test_a_repeated_anonymous_get_is_answered_from_the_cache(self):
        first = wsgi_get(self.app, "/one/")
        second = wsgi_get(self.app, "/one/")
        self.assertEqual(self.backend.calls, 1)
        self.assertEqual(first.body, second.body)
        self.assertEqual(second.header("X-Page-Cache"), "hit")
        self.assertEqual(second.header("Surrogate-Key"), "article-1 list-home")

    def test_a_purge_reaches_exactly_the_pages_that_name_its_key(self):
        wsgi_get(self.app, "/one/")
        wsgi_get(self.app, "/two/")
        pagecache.purge(["article-1"])
        self.assertEqual(wsgi_get(self.app, "/one/").body, b"/one/ #3")
        self.assertEqual(wsgi_get(self.app, "/two/").header("X-Page-Cache"), "hit")
        self.assertEqual(self.backend.calls, 3)

    def test_a_purge_during_a_rendering_wins_over_it(self):
        app = PageCache(self._purging_backend)
        first = wsgi_get(app, "/one/")  # rendered while article-1 was purged: kept nowhere
        self.assertEqual(first.header("Cache-Control"), "private, max-age=0, must-revalidate")
        self.assertEqual(first.header("Surrogate-Key"), "article-1 list-home")
        self.assertIsNone(wsgi_get(app, "/one/").header("X-Page-Cache"))
        self.assertEqual(wsgi_get(app, "/two/").header("Cache-Control"), PUBLIC)

    def test_a_purge_after_a_rendering_and_before_its_answer_left_purges_the_edges_again(self):
        edge = Edge()
        with run_wsgi(edge) as server, override_settings(NEWSDESK_PURGE_URLS=[server.url]):
            body = self.app(environ("/one/"), lambda status, headers, exc_info=None: None)
            self.assertEqual(b"".join(body), b"/one/ #1")
            pagecache.purge(["article-1"])  # the edges were purged before this copy got there
            body.close()
            [again] = server.received
            self.assertEqual(again["HTTP_XKEY_PURGE"], "article-1")  # not list-home

            body = self.app(environ("/two/"), lambda status, headers, exc_info=None: None)
            body.close()  # nothing it shows was purged: no purge
            self.assertEqual(len(server.received), 1)

    def _purging_backend(self, environ, start_response):
        pagecache.purge(["article-1"])
        return self.backend(environ, start_response)

    def test_what_may_not_be_shared_is_never_kept(self):
        for path in ("/cookie/", "/private/", "/nokeys/", "/vary/"):
            with self.subTest(path=path):
                wsgi_get(self.app, path)
                self.assertIsNone(wsgi_get(self.app, path).header("X-Page-Cache"))

    def test_a_reader_with_a_session_always_reaches_the_site(self):
        wsgi_get(self.app, "/one/")
        answer = wsgi_get(self.app, "/one/", headers={"Cookie": "sessionid=abc"})
        self.assertIsNone(answer.header("X-Page-Cache"))
        self.assertEqual(self.backend.calls, 2)

    def test_other_cookies_do_not_split_the_cache(self):
        wsgi_get(self.app, "/one/")
        answer = wsgi_get(self.app, "/one/", headers={"Cookie": "csrftoken=x"})
        self.assertEqual(answer.header("X-Page-Cache"), "hit")

    def test_a_matching_etag_gets_304_without_a_body(self):
        wsgi_get(self.app, "/one/")
        answer = wsgi_get(self.app, "/one/", headers={"If-None-Match": '"v1"'})
        self.assertEqual(answer.status, 304)
        self.assertEqual(answer.body, b"")
        self.assertEqual(answer.header("ETag"), '"v1"')

    def test_head_is_answered_from_the_kept_page_without_its_body(self):
        wsgi_get(self.app, "/one/")
        answer = wsgi_get(self.app, "/one/", method="HEAD")
        self.assertEqual((answer.status, answer.body), (200, b""))
        self.assertEqual(self.backend.calls, 1)

    def test_a_page_is_kept_no_longer_than_its_s_maxage(self):
        with time_machine.travel("2026-01-01 12:00", tick=False):
            wsgi_get(self.app, "/one/")
        with time_machine.travel("2026-01-01 12:09", tick=False):
            self.assertEqual(wsgi_get(self.app, "/one/").header("X-Page-Cache"), "hit")
        with time_machine.travel("2026-01-01 12:11", tick=False):
            self.assertIsNone(wsgi_get(self.app, "/one/").header("X-Page-Cache"))

    def test_query_strings_are_pages_of_their_own(self):
        wsgi_get(self.app, "/one/")
        self.assertIsNone(wsgi_get(self.app, "/one/?after=x").header("X-Page-Cache"))


class PurgeLogTests(SimpleTestCase):
    def setUp(self):
        self.path = Path(tempfile.mkdtemp()) / "purges.log"

    def test_a_purge_written_by_another_process_is_seen_here(self):
        log = PurgeLog(self.path)
        mark = log.mark()
        code = (
            "from pathlib import Path; from newsdesk.core.pagecache import PurgeLog; "
            f"PurgeLog(Path({str(self.path)!r})).purge(['article-7'])"
        )
        subprocess.run([sys.executable, "-c", code], check=True)
        self.assertTrue(log.purged_since(["article-7"], mark))
        self.assertFalse(log.purged_since(["article-8"], mark))
        self.assertFalse(log.purged_since(["article-7"], log.mark()))

    def test_after_the_log_is_rotated_nothing_kept_before_is_served(self):
        reader, writer = PurgeLog(self.path), PurgeLog(self.path)
        writer.purge(["a"])
        mark = reader.mark()
        writer._rotate()
        writer.purge(["b"])
        self.assertTrue(reader.purged_since(["unrelated"], mark))
        self.assertFalse(reader.purged_since(["unrelated"], reader.mark()))

    def test_a_log_grown_past_its_bound_is_rotated_and_its_purges_still_hold(self):
        reader, writer = PurgeLog(self.path), PurgeLog(self.path)
        mark = reader.mark()
        writer.ROTATE_BYTES = 10
        writer.purge(["article-1", "article-2"])
        self.assertLess(self.path.stat().st_size, 10)
        self.assertTrue(reader.purged_since(["article-1"], mark))


class LiveCacheTests(SimpleTestCase):
    """The embedded default's page store: live objects, no copies, least recently used out."""

    def cache(self, location: str, entries: int = 2):
        return pagecache.LiveCache(location, {"OPTIONS": {"MAX_ENTRIES": entries}})

    def test_a_hit_is_the_very_object_kept_shared_by_every_instance_of_a_location(self):
        kept = object()
        self.cache("live-same").set("a", kept, 60)
        self.assertIs(self.cache("live-same").get("a"), kept)
        self.assertIsNone(self.cache("live-other").get("a"))

    def test_the_least_recently_used_entry_leaves_first(self):
        cache = self.cache("live-lru")
        cache.set("a", 1, 60)
        cache.set("b", 2, 60)
        cache.get("a")  # b is now the older
        cache.set("c", 3, 60)
        self.assertEqual([cache.get(k) for k in "abc"], [1, None, 3])

    def test_an_entry_lives_for_its_timeout_and_add_keeps_a_live_one(self):
        cache = self.cache("live-ttl")
        with time_machine.travel("2026-01-01 12:00", tick=False):
            cache.set("a", 1, 60)
            self.assertFalse(cache.add("a", 2, 60))
        with time_machine.travel("2026-01-01 12:01:01", tick=False):
            self.assertIsNone(cache.get("a"))
            self.assertTrue(cache.add("a", 2, 60))
            self.assertEqual(cache.get("a"), 2)
            self.assertTrue(cache.delete("a"))
            cache.set("b", 1, 60)
            cache.clear()
            self.assertIsNone(cache.get("b"))


class LiveCacheBytesTests(SimpleTestCase):
    """MAX_BYTES: a web worker's kept pages hold at most this many bytes, whatever their number."""

    def cache(self, location: str, max_bytes: int, entries: int = 1_000):
        cache = pagecache.LiveCache(
            location, {"OPTIONS": {"MAX_ENTRIES": entries, "MAX_BYTES": max_bytes}}
        )
        cache.clear()
        return cache

    def page(self, size: int) -> pagecache.Entry:
        return pagecache.Entry(
            "200 OK", [("ETag", '"x"')], b"x" * size, 0.0, 600, ("all",), 0, None
        )

    def test_a_page_weighs_its_body_and_headers(self):
        page = self.page(10_000)
        self.assertEqual(page.nbytes, 10_000 + len("ETag") + len('"x"') + pagecache.ENTRY_OVERHEAD)
        self.assertEqual(pagecache.weight(page), page.nbytes)
        self.assertEqual(pagecache.weight(b"abc"), 3)

    def test_the_least_recently_used_pages_leave_when_the_bytes_pass_the_bound(self):
        cache = self.cache("live-bytes-lru", max_bytes=3 * self.page(1000).nbytes)
        for key in "abc":
            cache.set(key, self.page(1000), 60)
        cache.get("a")  # b is now the least recently used
        cache.set("d", self.page(1000), 60)  # 4 entries is well under MAX_ENTRIES: bytes decide
        self.assertEqual([cache.get(k) is not None for k in "abcd"], [True, False, True, True])
        cache.set("e", self.page(2500), 60)  # needs the room of two: c, then a
        self.assertEqual([cache.has_key(k) for k in "acde"], [False, False, True, True])
        self.assertLessEqual(cache.nbytes, 3 * self.page(1000).nbytes)

    def test_a_page_larger_than_the_bound_is_not_kept_and_pushes_nothing_out(self):
        cache = self.cache("live-bytes-large", max_bytes=50_000)
        cache.set("small", self.page(1000), 60)
        cache.set("large", self.page(60_000), 60)
        self.assertIsNone(cache.get("large"))
        self.assertIsNotNone(cache.get("small"))
        self.assertEqual(cache.nbytes, self.page(1000).nbytes)

    def test_replaced_deleted_expired_and_cleared_pages_give_their_bytes_back(self):
        cache = self.cache("live-bytes-return", max_bytes=1_000_000)
        cache.set("a", self.page(5000), 60)
        cache.set("a", self.page(100), 60)
        self.assertEqual(cache.nbytes, self.page(100).nbytes)
        cache.delete("a")
        self.assertEqual(cache.nbytes, 0)
        with time_machine.travel("2026-01-01 12:00", tick=False):
            cache.set("b", self.page(100), 60)
        with time_machine.travel("2026-01-01 12:02", tick=False):
            self.assertIsNone(cache.get("b"))
        self.assertEqual(cache.nbytes, 0)
        cache.set("c", self.page(100), 60)
        cache.clear()
        self.assertEqual(cache.nbytes, 0)

    @hypothesis_settings(max_examples=200, deadline=None)
    @given(
        st.lists(
            st.tuples(
                st.sampled_from(["set", "add", "get", "delete", "touch"]),
                st.integers(0, 15),
                st.integers(0, 20_000),
            ),
            max_size=80,
        )
    )
    def test_the_bytes_held_never_pass_the_bound_and_are_counted_exactly(self, operations):
        bound = 50_000
        cache = self.cache("live-bytes-property", max_bytes=bound, entries=10)
        for operation, key, size in operations:
            if operation in ("set", "add"):
                getattr(cache, operation)(key, self.page(size), 60)
            else:
                getattr(cache, operation)(key)
            held = [cache.get(k) for k in range(16)]
            self.assertLessEqual(cache.nbytes, bound)
            self.assertEqual(cache.nbytes, sum(page.nbytes for page in held if page is not None))
            self.assertLessEqual(sum(page is not None for page in held), 10)


class KeptTests(SimpleTestCase):
    """pagecache.kept: a value read once and kept until one of its keys is purged."""

    def setUp(self):
        caches[pagecache.CACHE_ALIAS].clear()
        self.reads = 0

    def read(self):
        self.reads += 1
        return self.reads

    def test_a_value_is_read_again_only_after_a_purge_of_its_keys_or_its_time(self):
        with time_machine.travel("2026-01-01 12:00", tick=False):
            self.assertEqual(pagecache.kept("nav", ("sections",), self.read), 1)
            self.assertEqual(pagecache.kept("nav", ("sections",), self.read), 1)
            pagecache.purge(["article-1"])  # not its key
            self.assertEqual(pagecache.kept("nav", ("sections",), self.read), 1)
            pagecache.purge(["sections"])
            self.assertEqual(pagecache.kept("nav", ("sections",), self.read), 2)
        with time_machine.travel("2026-01-01 12:06", tick=False):
            self.assertEqual(pagecache.kept("nav", ("sections",), self.read), 3)  # 5 min at most

    def test_a_purge_while_the_value_is_read_wins(self):
        def read_while_purged():
            pagecache.purge(["sections"])
            return self.read()

        pagecache.kept("nav", ("sections",), read_while_purged)
        self.assertEqual(pagecache.kept("nav", ("sections",), self.read), 2)
