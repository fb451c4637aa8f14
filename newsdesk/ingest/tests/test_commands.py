import io

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase

from newsdesk.ingest.models import Source, WireItem

from .factories import SourceFactory
from .server import FIXTURES, WireServer


class Terminal(io.StringIO):
    def isatty(self):
        return True


class IngestCommandTests(TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = WireServer().__enter__()
        cls.rss = cls.server.add_fixture("/r.rss", "wire/reuters.rss")
        cls.atom = cls.server.add_fixture("/a.atom", "wire/afp.atom")
        cls.bomb = cls.server.add_fixture("/bomb.xml", "wire/bomb.xml")

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)
        super().tearDownClass()

    def run_ingest(self, *args, stderr=None):
        out, err = io.StringIO(), stderr or io.StringIO()
        code = 0
        try:
            call_command("ingest", *args, stdout=out, stderr=err)
        except SystemExit as exit_:
            code = exit_.code
        return out.getvalue(), err.getvalue(), code

    def test_polls_every_enabled_source_and_ends_with_a_summary(self):
        SourceFactory(name="One", url=self.rss, allow_private_network=True)
        SourceFactory(name="Two", url=self.atom, allow_private_network=True)
        SourceFactory(name="Off", url=self.bomb, allow_private_network=True, enabled=False)
        out, err, code = self.run_ingest()
        self.assertEqual((out, err, code), ("5 created, 0 updated, 0 skipped, 0 failed.\n", "", 0))
        out, _, _ = self.run_ingest()
        self.assertEqual(out, "0 created, 0 updated, 5 skipped, 0 failed.\n")

    def test_one_source_by_name(self):
        SourceFactory(name="One", url=self.rss, allow_private_network=True)
        SourceFactory(name="Two", url=self.atom, allow_private_network=True)
        out, _, _ = self.run_ingest("--source", "Two")
        self.assertEqual(out, "2 created, 0 updated, 0 skipped, 0 failed.\n")

    def test_a_failing_source_is_named_with_its_reason_and_the_exit_status_is_1(self):
        SourceFactory(name="Bomb", url=self.bomb, allow_private_network=True)
        SourceFactory(name="One", url=self.rss, allow_private_network=True)
        out, err, code = self.run_ingest()
        self.assertEqual(out, "3 created, 0 updated, 0 skipped, 1 failed.\n")
        self.assertIn("error: Bomb: The feed declares XML entities", err)
        self.assertEqual(code, 1)

    def test_an_unknown_source_is_a_clear_error(self):
        SourceFactory(name="One")
        with pytest.raises(CommandError, match="no source named 'Nope'.*One"):
            call_command("ingest", "--source", "Nope")

    def test_a_single_url_becomes_a_page_source_and_loopback_is_refused(self):
        url = self.server.add(
            "/page.html",
            body=(FIXTURES / "article-furniture.html").read_bytes(),
            content_type="text/html",
        )
        out, err, code = self.run_ingest("--url", url)
        self.assertIn("private, loopback", err)
        self.assertEqual(code, 1)
        source = Source.objects.get(kind=Source.Kind.PAGE)
        # An administrator allows this one source, and the page comes in.
        source.allow_private_network = True
        source.save()
        out, err, code = self.run_ingest("--url", url)
        self.assertEqual(out, "1 created, 0 updated, 0 skipped, 0 failed.\n")
        self.assertEqual(WireItem.objects.get().source, source)

    def test_a_terminal_gets_a_progress_bar(self):
        SourceFactory(name="One", url=self.rss, allow_private_network=True)
        _, err, _ = self.run_ingest(stderr=Terminal())
        self.assertIn("One: 100%", err)
        self.assertIn("3/3", err)


class ImportPageProgressTests(TestCase):
    def test_import_page_shows_a_progress_bar_on_a_terminal(self):
        err = Terminal()
        call_command(
            "import-page", str(FIXTURES / "news-302156.txt"), stdout=io.StringIO(), stderr=err
        )
        self.assertIn("import-page: 100%", err.getvalue())
        self.assertIn("1/1", err.getvalue())
