"""`newsdesk check` on NEWSDESK_PURGE_URLS: entries that can never work are errors, an edge that
does not take a purge right now is a warning."""

from io import StringIO

from django.core.checks import ERROR, WARNING
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import SimpleTestCase, override_settings

from newsdesk.core.checks import PROBE_KEY, purge_urls_check

from .varnish import free_port, run_wsgi


def answering(status="200 OK"):
    def app(environ, start_response):
        start_response(status, [("Content-Type", "text/plain"), ("xkey-purged", "0")])
        return [b""]

    return app


class PurgeUrlsCheckTests(SimpleTestCase):
    def problems(self, *urls, **settings):
        with override_settings(NEWSDESK_PURGE_URLS=list(urls), **settings):
            return purge_urls_check()

    def assertOne(self, problems, level, check_id, *words):
        self.assertEqual([(p.level, p.id) for p in problems], [(level, check_id)], problems)
        for word in words:
            self.assertIn(word, problems[0].msg + " " + (problems[0].hint or ""))

    def test_nothing_configured_is_fine(self):
        self.assertEqual(self.problems(), [])

    def test_not_a_url_is_an_error(self):
        for url in ("varnish:6081", "ftp://varnish", "varnish-1", "http://", "http://edge:port"):
            with self.subTest(url=url):
                self.assertOne(self.problems(url), ERROR, "core.E001", "NEWSDESK_PURGE_URLS")

    def test_a_path_or_query_is_an_error(self):
        for url in ("http://127.0.0.1:6081/purge", "http://127.0.0.1:6081/?key=1"):
            with self.subTest(url=url):
                self.assertOne(self.problems(url), ERROR, "core.E002", "base URL only")

    def test_host_that_does_not_resolve_is_an_error(self):
        # .invalid never resolves (RFC 6761).
        self.assertOne(self.problems("http://varnish.invalid:6081"), ERROR, "core.E003", "resolve")

    def test_fastly_needs_a_service_id_and_a_token(self):
        self.assertOne(
            self.problems("fastly://not-an-id!", NEWSDESK_FASTLY_TOKEN="t"), ERROR, "core.E001"
        )
        self.assertOne(
            self.problems("fastly://SU1Z0isxPaozGVKXdv0eY", NEWSDESK_FASTLY_TOKEN=""),
            ERROR,
            "core.E004",
            "NEWSDESK_FASTLY_TOKEN",
        )

    def test_edge_that_does_not_answer_is_a_warning(self):
        problems = self.problems(f"http://127.0.0.1:{free_port()}")
        self.assertOne(problems, WARNING, "core.W001", "could not be reached", "retried")

    def test_edge_that_refuses_this_server_is_a_warning_naming_the_acl(self):
        with run_wsgi(answering("403 Forbidden")) as edge:
            self.assertOne(self.problems(edge.url), WARNING, "core.W001", "ACL")

    def test_edge_that_takes_purges_is_fine_and_the_probe_purges_a_key_no_page_has(self):
        with run_wsgi(answering()) as edge:
            self.assertEqual(self.problems(edge.url, edge.url + "/"), [])
        self.assertEqual([r["HTTP_XKEY_PURGE"] for r in edge.received], [PROBE_KEY] * 2)

    def test_fastly_probe_goes_to_its_api(self):
        with run_wsgi(answering()) as api:
            problems = self.problems(
                "fastly://SU1Z0isxPaozGVKXdv0eY",
                NEWSDESK_FASTLY_TOKEN="t",
                NEWSDESK_FASTLY_API_URL=api.url,
            )
        self.assertEqual(problems, [])
        self.assertEqual(api.received[0]["PATH_INFO"], "/service/SU1Z0isxPaozGVKXdv0eY/purge")

    def test_messages_never_show_a_password(self):
        problems = self.problems("http://user:s3cret@varnish.invalid:6081", "ftp://u:s3cret@x")
        self.assertEqual(len(problems), 2)
        for problem in problems:
            self.assertNotIn("s3cret", problem.msg)


class CheckCommandTests(SimpleTestCase):
    @override_settings(NEWSDESK_PURGE_URLS=["http://varnish.invalid:6081"])
    def test_newsdesk_check_fails_on_a_wrong_host(self):
        with self.assertRaises(SystemCheckError) as raised:
            call_command("check", stdout=StringIO(), stderr=StringIO())
        self.assertIn("varnish.invalid", str(raised.exception))

    def test_newsdesk_check_passes_with_a_warning_when_the_edge_is_down(self):
        stderr = StringIO()
        with override_settings(NEWSDESK_PURGE_URLS=[f"http://127.0.0.1:{free_port()}"]):
            call_command("check", stdout=StringIO(), stderr=stderr)
        self.assertIn("core.W001", stderr.getvalue())
