"""edge_purge against local HTTP servers that record what they were sent (a real Varnish is in
test_varnish.py; Fastly cannot be reached from here, so a local server stands in for its API)."""

import os
import runpy
import time
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.test import SimpleTestCase, override_settings

from newsdesk.core.edge import MAX_HEADER_BYTES, EdgePurgeError, edge_purge, purge_urls

from .varnish import free_port, run_wsgi


def answering(status="200 OK", headers=(), delay=0.0):
    def app(environ, start_response):
        if delay:
            time.sleep(delay)
        start_response(status, [("Content-Type", "text/plain"), *headers])
        return [b"ok"]

    return app


class VarnishPurgeTests(SimpleTestCase):
    def test_sends_purge_with_the_keys_and_returns_the_count(self):
        with run_wsgi(answering(headers=[("xkey-purged", "7")])) as edge:
            purged = edge_purge(base_url=edge.url, keys=["list-home", "article-1", "article-1"])
        self.assertEqual(purged, 7)
        [request] = edge.received
        self.assertEqual((request["REQUEST_METHOD"], request["PATH_INFO"]), ("PURGE", "/"))
        self.assertEqual(request["HTTP_XKEY_PURGE"], "article-1 list-home")

    def test_long_key_lists_go_in_batches_under_the_header_limit(self):
        keys = [f"article-{n}" for n in range(2_000)]
        with run_wsgi(answering(headers=[("xkey-purged", "1")])) as edge:
            purged = edge_purge(base_url=edge.url + "/", keys=keys)
        sent = [request["HTTP_XKEY_PURGE"] for request in edge.received]
        self.assertGreater(len(sent), 1)
        self.assertEqual(purged, len(sent))
        self.assertTrue(all(len(header) <= MAX_HEADER_BYTES for header in sent))
        self.assertEqual(sorted(key for header in sent for key in header.split()), sorted(keys))

    def test_no_keys_sends_nothing(self):
        with run_wsgi(answering()) as edge:
            self.assertEqual(edge_purge(base_url=edge.url, keys=[]), 0)
        self.assertEqual(edge.received, [])

    def test_a_key_that_would_split_or_break_the_header_is_refused(self):
        for key in ("two words", "a,b", "line\nbreak", ""):
            with self.subTest(key=key), self.assertRaises(ValueError):
                edge_purge(base_url="http://127.0.0.1:1", keys=[key])

    def test_unreachable_edge_raises_a_message_for_the_operator_without_secrets(self):
        url = f"http://purger:s3cret@127.0.0.1:{free_port()}"
        with self.assertRaises(EdgePurgeError) as raised:
            edge_purge(base_url=url, keys=["article-1"])
        message = str(raised.exception)
        self.assertIn("127.0.0.1", message)
        self.assertIn("could not be reached", message)
        self.assertNotIn("s3cret", message)
        self.assertIsNone(raised.exception.__cause__)  # no trace of the URL in a chained error

    def test_refusal_and_errors_raise(self):
        cases = [("403 Forbidden", "purgers` ACL"), ("500 Internal Server Error", "500")]
        for status, expected in cases:
            with self.subTest(status=status), run_wsgi(answering(status)) as edge:
                with self.assertRaises(EdgePurgeError) as raised:
                    edge_purge(base_url=edge.url, keys=["article-1"])
                self.assertIn(expected, str(raised.exception))

    def test_redirect_is_not_followed_and_counts_as_failure(self):
        redirecting = answering("301 Moved Permanently", [("Location", "/x")])
        with run_wsgi(redirecting) as edge, self.assertRaises(EdgePurgeError):
            edge_purge(base_url=edge.url, keys=["article-1"])
        self.assertEqual(len(edge.received), 1)

    def test_slow_edge_times_out(self):
        with run_wsgi(answering(delay=1.0)) as edge, self.assertRaises(EdgePurgeError) as raised:
            edge_purge(base_url=edge.url, keys=["article-1"], timeout=0.2)
        self.assertIn("did not answer", str(raised.exception))

    def test_unknown_scheme_raises(self):
        with self.assertRaises(EdgePurgeError) as raised:
            edge_purge(base_url="ftp://edge", keys=["article-1"])
        self.assertIn("NEWSDESK_PURGE_URLS", str(raised.exception))


class FastlyPurgeTests(SimpleTestCase):
    def purge(self, edge, keys, **settings):
        settings.setdefault("NEWSDESK_FASTLY_TOKEN", "fastly-token-123")
        with override_settings(NEWSDESK_FASTLY_API_URL=edge.url, **settings):
            return edge_purge(base_url="fastly://SU1Z0isxPaozGVKXdv0eY", keys=keys)

    def test_posts_the_keys_to_the_service_with_the_token(self):
        with run_wsgi(answering(headers=[("Content-Type", "application/json")])) as api:
            purged = self.purge(api, ["article-1", "list-home"])
        self.assertEqual(purged, 2)
        [request] = api.received
        self.assertEqual(request["REQUEST_METHOD"], "POST")
        self.assertEqual(request["PATH_INFO"], "/service/SU1Z0isxPaozGVKXdv0eY/purge")
        self.assertEqual(request["HTTP_SURROGATE_KEY"], "article-1 list-home")
        self.assertEqual(request["HTTP_FASTLY_KEY"], "fastly-token-123")
        self.assertNotIn("HTTP_FASTLY_SOFT_PURGE", request)  # hard purge

    def test_at_most_256_keys_a_request(self):
        with run_wsgi(answering()) as api:
            self.assertEqual(self.purge(api, [f"k{n}" for n in range(600)]), 600)
        self.assertEqual(
            [len(r["HTTP_SURROGATE_KEY"].split()) for r in api.received], [256, 256, 88]
        )

    def test_refused_token_raises_without_showing_it(self):
        refusing = answering("401 Unauthorized")
        with run_wsgi(refusing) as api, self.assertRaises(EdgePurgeError) as raised:
            self.purge(api, ["article-1"])
        self.assertIn("NEWSDESK_FASTLY_TOKEN", str(raised.exception))
        self.assertNotIn("fastly-token-123", str(raised.exception))

    def test_missing_token_raises_before_sending(self):
        with run_wsgi(answering()) as api, self.assertRaises(EdgePurgeError):
            self.purge(api, ["article-1"], NEWSDESK_FASTLY_TOKEN="")
        self.assertEqual(api.received, [])


class PurgeUrlsTests(SimpleTestCase):
    def test_empty_by_default(self):
        self.assertEqual(purge_urls(), [])

    @override_settings(NEWSDESK_PURGE_URLS=["http://varnish-1:6081/", " ", "fastly://ABC"])
    def test_entries_without_trailing_slash_or_blanks(self):
        self.assertEqual(purge_urls(), ["http://varnish-1:6081", "fastly://ABC"])

    def test_read_from_the_environment_comma_separated(self):
        base = Path(settings.BASE_DIR) / "config" / "settings" / "base.py"
        env = {"NEWSDESK_PURGE_URLS": "http://varnish-1:6081, fastly://ABC,"}
        with mock.patch.dict(os.environ, env):
            values = runpy.run_path(str(base))
        self.assertEqual(values["NEWSDESK_PURGE_URLS"], ["http://varnish-1:6081", "fastly://ABC"])
