from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine
from django.test import TestCase, override_settings

from newsdesk.ingest.models import Source, WireItem
from newsdesk.ingest.polling import source_poll, sources_poll_due
from newsdesk.ingest.store import Outcome

from .factories import SourceFactory
from .server import FIXTURES, WireServer

WIRE = FIXTURES / "wire"
NOW = datetime(2021, 4, 14, 3, 0, tzinfo=UTC)


class FeedPollTests(TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = WireServer().__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)
        super().tearDownClass()

    def feed_source(self, path="/feed.rss", fixture="reuters.rss", **kwargs) -> Source:
        url = self.server.add_fixture(path, f"wire/{fixture}", etag=kwargs.pop("etag", ""))
        kwargs.setdefault("allow_private_network", True)
        return SourceFactory(url=url, **kwargs)

    def test_polling_a_feed_stores_its_items_and_records_success(self):
        source = self.feed_source()
        report = source_poll(source=source, now=NOW)
        self.assertEqual(report.counts, {Outcome.CREATED: 3})
        source.refresh_from_db()
        self.assertEqual(
            (source.last_success_at, source.consecutive_failures, source.items_seen), (NOW, 0, 3)
        )
        self.assertEqual(source.next_poll_at, NOW + timedelta(seconds=source.poll_interval))

    def test_polling_again_updates_nothing_and_duplicates_nothing(self):
        source = self.feed_source("/again.rss")
        source_poll(source=source, now=NOW)
        report = source_poll(source=source, now=NOW)
        self.assertEqual(report.counts, {Outcome.SKIPPED: 3})
        self.assertEqual(WireItem.objects.count(), 3)

    def test_the_etag_makes_the_next_poll_a_conditional_request(self):
        source = self.feed_source("/etag.rss", etag='"r1"')
        source_poll(source=source, now=NOW)
        source.refresh_from_db()
        self.assertEqual(source.etag, '"r1"')
        report = source_poll(source=source, now=NOW)
        self.assertTrue(report.not_modified)
        self.assertEqual(self.server.requests[-1][1]["If-None-Match"], '"r1"')

    def test_a_loopback_source_without_the_allowance_is_refused_and_recorded(self):
        source = self.feed_source("/private.rss", allow_private_network=False)
        report = source_poll(source=source, now=NOW)
        self.assertIn("private, loopback", report.error)
        source.refresh_from_db()
        self.assertEqual(source.consecutive_failures, 1)
        self.assertIn("127.0.0.1", source.last_error)
        self.assertFalse(WireItem.objects.exists())

    def test_failures_back_off_exponentially_and_success_resets(self):
        source = SourceFactory(
            url=self.server.url("/missing"), allow_private_network=True, poll_interval=60
        )
        for n, delay in [(1, 120), (2, 240), (3, 480)]:
            source_poll(source=source, now=NOW)
            source.refresh_from_db()
            self.assertEqual(source.consecutive_failures, n)
            self.assertEqual(source.next_poll_at, NOW + timedelta(seconds=delay))
        self.assertIn("404", source.last_error)
        source.url = self.server.add_fixture("/found.rss", "wire/reuters.rss")
        source.save()
        source_poll(source=source, now=NOW)
        source.refresh_from_db()
        self.assertEqual(source.consecutive_failures, 0)

    @override_settings(NEWSDESK_INGEST_MAX_BACKOFF=300)
    def test_backoff_stops_at_the_maximum(self):
        source = SourceFactory(
            url=self.server.url("/missing"), allow_private_network=True, poll_interval=60
        )
        source.consecutive_failures = 10
        source.save()
        source_poll(source=source, now=NOW)
        source.refresh_from_db()
        self.assertEqual(source.next_poll_at, NOW + timedelta(seconds=300))

    def test_a_malformed_feed_is_an_error_on_its_source_and_the_others_still_poll(self):
        bomb = self.feed_source("/bomb.xml", fixture="bomb.xml", name="Bomb")
        broken = self.feed_source("/truncated.xml", fixture="truncated.xml", name="Broken")
        good = self.feed_source("/good.atom", fixture="afp.atom", name="Good")
        with time_machine.travel(NOW, tick=False):
            reports = {r.source.name: r for r in sources_poll_due()}
        self.assertIn("XML bomb", reports["Bomb"].error)
        self.assertIn("not well-formed", reports["Broken"].error)
        self.assertEqual(reports["Good"].counts, {Outcome.CREATED: 2})
        for source in (bomb, broken):
            source.refresh_from_db()
            self.assertEqual(source.consecutive_failures, 1)
        good.refresh_from_db()
        self.assertEqual(good.last_success_at, NOW)

    def test_only_due_sources_are_polled(self):
        due = self.feed_source("/due.rss", name="Due")
        later = self.feed_source("/later.rss", name="Later")
        later.next_poll_at = NOW + timedelta(minutes=5)
        later.save()
        SourceFactory(name="Off", enabled=False)
        with time_machine.travel(NOW, tick=False):
            polled = [r.source.pk for r in sources_poll_due()]
        self.assertEqual(polled, [due.pk])

    def test_a_feed_address_answering_with_a_web_page_is_an_error(self):
        html = (FIXTURES / "article-furniture.html").read_bytes()
        url = self.server.add("/login.html", body=html, content_type="text/html")
        source = SourceFactory(url=url, allow_private_network=True)
        report = source_poll(source=source, now=NOW)
        self.assertIn("not a readable RSS or Atom feed", report.error)
        self.assertFalse(WireItem.objects.exists())

    def test_a_source_needs_an_address_or_a_folder(self):
        from django.core.exceptions import ValidationError

        with self.assertRaisesMessage(ValidationError, "needs its address"):
            Source(name="x", kind=Source.Kind.FEED).full_clean()
        with self.assertRaisesMessage(ValidationError, "needs the folder"):
            Source(name="y", kind=Source.Kind.FOLDER).full_clean()

    def test_a_single_page_source_stores_the_page(self):
        html = (FIXTURES / "article-furniture.html").read_bytes()
        url = self.server.add("/story.html", body=html, content_type="text/html; charset=utf-8")
        source = SourceFactory(kind=Source.Kind.PAGE, url=url, allow_private_network=True)
        report = source_poll(source=source, now=NOW)
        self.assertEqual(report.counts, {Outcome.CREATED: 1}, report.error)
        item = WireItem.objects.get()
        self.assertTrue(item.text)


class FolderPollTests(TestCase):
    def setUp(self):
        import tempfile

        self.tmp = tempfile.TemporaryDirectory()
        self.folder = Path(self.tmp.name)
        roots = override_settings(NEWSDESK_INGEST_FOLDER_ROOTS=[self.tmp.name])
        roots.enable()
        self.addCleanup(roots.disable)
        self.source = SourceFactory(kind=Source.Kind.FOLDER, url="", path=str(self.folder))

    def tearDown(self):
        self.tmp.cleanup()

    def copy(self, name, as_name=None):
        (self.folder / (as_name or Path(name).name)).write_bytes((FIXTURES / name).read_bytes())

    def test_every_kind_of_file_in_the_drop_folder_is_read(self):
        self.copy("wire/reuters.rss")
        self.copy("wire/afp.atom")
        self.copy("wire/item.ninjs.json")
        self.copy("news-302156.txt")
        self.copy("article-furniture.html")
        (self.folder / "notes.doc").write_bytes(b"ignored")
        report = source_poll(source=self.source, now=NOW)
        self.assertEqual(report.counts, {Outcome.CREATED: 8}, report.problems)
        self.assertEqual(WireItem.objects.filter(source=self.source).count(), 8)

    def test_a_bad_file_is_reported_and_the_other_files_still_import(self):
        self.copy("wire/broken.json")
        self.copy("wire/bomb.xml")
        self.copy("wire/item.ninjs.json")
        report = source_poll(source=self.source, now=NOW)
        self.assertEqual(report.counts, {Outcome.CREATED: 1, Outcome.FAILED: 2})
        self.source.refresh_from_db()
        self.assertIn("broken.json: The ninjs file is not valid JSON", self.source.last_error)
        self.assertIn("bomb.xml", self.source.last_error)
        self.assertEqual(self.source.consecutive_failures, 0)

    def test_a_missing_folder_is_an_error_on_the_source(self):
        self.source.path = str(self.folder / "nope")
        report = source_poll(source=self.source, now=NOW)
        self.assertIn("does not exist", report.error)
