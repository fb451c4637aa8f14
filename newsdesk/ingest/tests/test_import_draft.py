"""`newsdesk import-page --draft`, and the story's own modified time kept on import."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse

from newsdesk.articles.models import Article
from newsdesk.articles.services import article_publish
from newsdesk.ingest.parsers import parse_page
from newsdesk.ingest.services import ImportOutcome, page_import

SITE = "https://news.example.org"
CAPTURE = (
    "News ID: 9100\nPublished: 0140 GMT April 14, 2021\nUpdated: 0915 GMT April 15, 2021\n\n"
    "Harbour wall to be rebuilt\n\nHarbour wall to be rebuilt\n\n"
    "The council voted to rebuild the harbour wall before the winter storms.\n"
)
HTML = b"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Tram line opens to the old town</title>
<meta property="article:published_time" content="2022-06-01T08:00:00Z">
<meta property="article:modified_time" content="2022-06-03T17:30:00+02:00">
<link rel="canonical" href="https://elsewhere.example/tram"></head><body><article>
<h1>Tram line opens to the old town</h1>
<p>The first tram reached the old town on Wednesday morning, two years after work began.</p>
<p>Passengers cheered as it crossed the new bridge over the river.</p>
</article></body></html>"""


@override_settings(NEWSDESK_SITE_URL=SITE)
class ImportDraftTests(TestCase):
    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path):
        self.tmp = tmp_path

    def run_command(self, *args: str) -> str:
        out = io.StringIO()
        call_command("import-page", *args, stdout=out, stderr=io.StringIO())
        return out.getvalue()

    def test_draft_flag_creates_a_draft_readers_do_not_see_and_prints_its_admin_page(self):
        path = self.tmp / "harbour.txt"
        path.write_text(CAPTURE)
        out = self.run_command("--draft", str(path))
        article = Article.objects.get(news_id=9100)
        self.assertEqual(article.status, Article.Status.DRAFT)
        self.assertFalse(Article.objects.published().filter(pk=article.pk).exists())
        admin_url = reverse("admin:articles_article_change", args=[article.pk])
        self.assertIn(f"created {SITE}{admin_url} (draft)", out)
        self.assertEqual(self.client.get(article.get_absolute_url()).status_code, 404)

    def test_the_draft_keeps_the_storys_date_for_when_an_editor_publishes_it(self):
        page = parse_page(CAPTURE.encode(), filename="harbour.txt")
        article, outcome = page_import(page=page, draft=True)
        self.assertEqual(outcome, ImportOutcome.CREATED)
        article_publish(article=article, by=None)
        self.assertEqual(article.published_at, datetime(2021, 4, 14, 1, 40, tzinfo=UTC))

    def test_draft_flag_never_takes_a_published_story_off_the_site(self):
        page = parse_page(CAPTURE.encode(), filename="harbour.txt")
        page_import(page=page)
        changed = parse_page(CAPTURE.replace("winter", "spring").encode(), filename="h.txt")
        article, outcome = page_import(page=changed, draft=True)
        self.assertEqual(outcome, ImportOutcome.UPDATED)
        self.assertEqual(article.status, Article.Status.PUBLISHED)
        self.assertIn("spring", Article.objects.get(pk=article.pk).body)
        # And again with nothing changed: nothing to do.
        self.assertEqual(page_import(page=changed, draft=True)[1], ImportOutcome.SKIPPED)

    def test_without_the_flag_a_page_is_published_as_before(self):
        page = parse_page(CAPTURE.encode(), filename="harbour.txt")
        article, _ = page_import(page=page)
        self.assertTrue(article.is_published)


class OwnModifiedTimeTests(TestCase):
    def test_a_capture_keeps_its_updated_time_not_the_time_of_the_import(self):
        page = parse_page(CAPTURE.encode(), filename="harbour.txt")
        article, _ = page_import(page=page)
        stored = Article.objects.get(pk=article.pk)
        self.assertEqual(stored.updated_at, datetime(2021, 4, 15, 9, 15, tzinfo=UTC))
        self.assertEqual(article.updated_at, stored.updated_at)

    def test_without_an_updated_time_it_is_the_publication_time(self):
        page = parse_page(
            CAPTURE.replace("Updated: 0915 GMT April 15, 2021\n", "").encode(), filename="h.txt"
        )
        article, _ = page_import(page=page)
        self.assertEqual(
            Article.objects.get(pk=article.pk).updated_at,
            datetime(2021, 4, 14, 1, 40, tzinfo=UTC),
        )

    def test_an_html_page_keeps_its_modified_time(self):
        page = parse_page(HTML, filename="tram.html")
        self.assertEqual(page.modified_at, datetime(2022, 6, 3, 15, 30, tzinfo=UTC))
        article, _ = page_import(page=page)
        self.assertEqual(
            Article.objects.get(pk=article.pk).updated_at,
            datetime(2022, 6, 3, 15, 30, tzinfo=UTC),
        )

    def test_feeds_and_structured_data_show_the_storys_own_time(self):
        page = parse_page(CAPTURE.encode(), filename="harbour.txt")
        article, _ = page_import(page=page)
        response = self.client.get(article.get_absolute_url())
        self.assertContains(response, "2021-04-15T09:15:00")

    def test_a_badly_written_updated_line_gets_a_clear_error(self):
        from newsdesk.ingest.parsers import ParseError

        with self.assertRaisesMessage(ParseError, "'Updated:' time is not in the form"):
            parse_page(
                CAPTURE.replace("0915 GMT April 15, 2021", "yesterday").encode(), filename="h.txt"
            )
