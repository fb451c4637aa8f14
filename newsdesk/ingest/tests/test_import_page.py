"""`newsdesk import-page` and the page_import service (issue 2, section 6)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import TestCase, override_settings

from newsdesk.articles.models import Article
from newsdesk.articles.tests.html import find_all, one, parse, text
from newsdesk.ingest.models import ImportedPage
from newsdesk.ingest.parsers import parse_page
from newsdesk.ingest.services import ImportOutcome, page_import

FIXTURES = Path(__file__).parent / "fixtures"
SEED = FIXTURES / "news-302156.txt"
SITE = "https://news.example.org"

# Our own awkward captures, in the reference's format.
AWKWARD = {
    "nbsp-lines.txt": (
        "News ID: 9001\nPublished: 0000 GMT January 1, 2024\n\n"
        "Midnight ferry runs on time\n\nMidnight ferry runs on time\n\u00a0\n"
        "The last ferry of the year left at midnight.\n\u00a0\u00a0\n\u00a0 \u00a0\n"
        "Passengers cheered on the deck.\n\u00a0\nKeyWords\n\u00a0\nComments\nName:\nEmail:\n"
        "Comment:\nSecurity Key:\nCaptcha refresh\nPage Generated in 0/0012 sec"
    ),
    "quotes.txt": (
        "News ID: 9002\nPublished: 2359 GMT February 29, 2024\n\n"
        "\u201cWe\u2019ll be back,\u201d says the mayor\n\n"
        "He said the \u201cplan is \u2018almost ready and left it there.\n\n"
        '"An unbalanced quote opens here and never closes.\n\nKeyWords\nmayor, \u201cplans\u201d\n'
    ),
    "persian.txt": (
        "News ID: 9003\nPublished: 0805 GMT March 21, 2023\n\n"
        "جشن نوروز در شهر\n\nجشن نوروز در شهر\n\n"
        "مردم به خیابان\u200cها آمدند.\n\nKeyWords\nنوروز، جشن\n\nComments\n"
    ),
    "markup.txt": (
        "News ID: 9004\nPublished: 1200 GMT May 5, 2023\n\n"
        "Council <b>bans</b> <script>alert('x')</script> signs\n\n"
        'The notice read <img src=x onerror=alert(1)> & "no entry" in large letters.\n\n'
        "<!-- a comment --> and </p></div> are only words here.\n"
    ),
}


def run(*files: Path | str) -> tuple[str, str, int]:
    """Run the command; its stdout, stderr and exit status."""
    out, err = io.StringIO(), io.StringIO()
    status = 0
    try:
        call_command("import-page", *map(str, files), stdout=out, stderr=err)
    except SystemExit as exit_:
        status = exit_.code
    return out.getvalue(), err.getvalue(), status


@override_settings(NEWSDESK_SITE_URL=SITE)
class ImportPageCommandTests(TestCase):
    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path):
        self.tmp = tmp_path

    def write(self, name: str, content: str | bytes) -> Path:
        path = self.tmp / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path

    def test_seed_capture_is_created_published_and_its_absolute_url_printed(self):
        out, err, status = run(SEED)
        self.assertEqual((err, status), ("", 0))
        article = Article.objects.get(news_id=302156)
        self.assertIn(f"created {SITE}{article.get_absolute_url()}\n", out)
        self.assertTrue(out.endswith("1 created, 0 updated, 0 skipped, 0 failed.\n"))
        self.assertTrue(article.is_published)

    def test_reimport_updates_never_duplicates(self):
        run(SEED)
        out, _, status = run(SEED)
        self.assertEqual(status, 0)
        self.assertIn("0 created, 0 updated, 1 skipped, 0 failed.", out)
        edited = self.write(
            "edited.txt",
            SEED.read_text().replace(
                "Washington has spent trillions", "Washington has spent many trillions"
            ),
        )
        out, _, _ = run(edited)
        self.assertIn("updated https://news.example.org/news/302156/", out)
        self.assertEqual(Article.objects.filter(news_id=302156).count(), 1)
        self.assertEqual(Article.objects.count(), 1)
        self.assertIn("many trillions", Article.objects.get().body)

    def test_bad_file_gets_one_error_line_and_the_others_still_import(self):
        bad = self.write("broken.txt", "Not a capture at all\n")
        binary = self.write("binary.txt", b"\x00\x01\x02PNG")
        missing = self.tmp / "missing.txt"
        out, err, status = run(SEED, bad, FIXTURES / "capture-no-keywords.txt", binary, missing)
        self.assertEqual(status, 1)
        lines = err.splitlines()
        self.assertEqual(len(lines), 3, err)
        for line, path in zip(lines, (bad, binary, missing), strict=True):
            self.assertTrue(line.startswith(f"error: {path}: "), line)
            self.assertGreater(len(line), len(f"error: {path}: ") + 10)
        self.assertIn("News ID", lines[0])
        self.assertEqual(Article.objects.count(), 2)
        self.assertIn("2 created, 0 updated, 0 skipped, 3 failed.", out)

    def test_html_page_without_news_id_is_identified_by_its_address_on_reimport(self):
        page = FIXTURES / "article-latin1.html"
        self.assertIsNone(parse_page(page.read_bytes(), filename=page.name).news_id)
        run(page)
        run(page)
        self.assertEqual(Article.objects.count(), 1)
        self.assertEqual(ImportedPage.objects.count(), 1)

    def test_html_page_with_news_id_keeps_it_and_drops_page_furniture(self):
        out, err, status = run(FIXTURES / "article-furniture.html")
        self.assertEqual((err, status), ("", 0))
        article = Article.objects.get(news_id=4242)
        self.assertNotIn("SHOULD-NOT-APPEAR", article.body)
        self.assertNotIn("cookies", article.body)

    def test_awkward_captures_import(self):
        paths = [self.write(name, content) for name, content in AWKWARD.items()]
        out, err, status = run(*paths)
        self.assertEqual((err, status), ("", 0))
        self.assertIn("4 created", out)

        midnight = Article.objects.get(news_id=9001)
        self.assertEqual(midnight.published_at.isoformat(), "2024-01-01T00:00:00+00:00")
        self.assertEqual(midnight.keywords.count(), 0)
        self.assertNotIn("\u00a0", midnight.body)

        quotes = Article.objects.get(news_id=9002)
        self.assertEqual(quotes.headline, "\u201cWe\u2019ll be back,\u201d says the mayor")
        self.assertEqual(
            sorted(quotes.keywords.values_list("name", flat=True)), ["mayor", "\u201cplans\u201d"]
        )

        persian = Article.objects.get(news_id=9003)
        self.assertEqual(persian.headline, "جشن نوروز در شهر")
        self.assertEqual(persian.keywords.count(), 2)

    def test_markup_like_text_is_shown_literally(self):
        run(self.write("markup.txt", AWKWARD["markup.txt"]))
        article = Article.objects.get(news_id=9004)
        response = self.client.get(article.get_absolute_url())
        doc, errors = parse(response.content)
        self.assertEqual(errors, [])
        self.assertEqual(
            text(one(doc, "h1")), "Council <b>bans</b> <script>alert('x')</script> signs"
        )
        body = one(doc, "div", "body")
        self.assertEqual(find_all(body, "img") + find_all(body, "script") + find_all(body, "b"), [])
        self.assertIn('<img src=x onerror=alert(1)> & "no entry"', text(body))
        self.assertIn("<!-- a comment --> and </p></div> are only words here.", text(body))


class ReferencePageAfterImportTests(TestCase):
    """Done-when of issue 2: import the seed capture, then /news/302156/ shows the reference."""

    @classmethod
    def setUpTestData(cls):
        run(SEED)

    def test_short_url_redirects_to_the_article(self):
        response = self.client.get("/news/302156/")
        self.assertEqual(response.status_code, 301)
        self.assertEqual(
            response["Location"],
            "/news/302156/us-says-nato-forces-to-leave-together-from-afghanistan/",
        )

    def test_reference_page_shows_every_element(self):
        response = self.client.get("/news/302156/", follow=True)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        doc, errors = parse(response.content)
        self.assertEqual(errors, [])
        page = one(doc, "body")
        headline = "US says NATO forces to leave together from Afghanistan"

        self.assertIn("News ID: 302156", text(page))
        self.assertIn(
            'Published: <time datetime="2021-04-14T01:40:00Z">0140 GMT April 14, 2021</time>', html
        )
        self.assertEqual([text(h) for h in find_all(doc, "h1")], [headline])
        self.assertEqual(text(page).count(headline), 1)

        body = one(page, "div", "body")
        self.assertEqual(
            [text(h) for h in find_all(body, "h2")], ["Taliban to boycott Turkey summit"]
        )
        paragraphs = [text(p) for p in find_all(body, "p")]
        self.assertEqual(len(paragraphs), 19)
        self.assertTrue(paragraphs[0].startswith("A coalition of NATO-led troops"))
        self.assertTrue(paragraphs[-1].startswith("Under a February 2020 deal"))
        for furniture in (
            "KeyWords",
            "Comments",
            "Name:",
            "Security Key",
            "Captcha refresh",
            "Page Generated",
        ):
            self.assertNotIn(furniture, text(body))

        self.assertIn("KeyWords", text(one(page, "section", "keywords")))
        self.assertIn("Comments (0)", text(one(page, "section", "comments")))
        # The form (Name, Email, Comment, Security Key, Captcha refresh) reaches a reader when
        # they start to write: the page's "Write a comment" link leads to it.
        self.assertIn("Write a comment", text(one(page, "section", "comments")))
        fragment, errors = parse(self.client.get("/comments/302156/write/").content)
        self.assertEqual(errors, [])
        form = one(fragment, "form", "comment-form")
        labels = {text(label).rstrip(":") for label in find_all(form, "label")}
        self.assertTrue({"Name", "Email", "Comment", "Security Key"} <= labels, labels)
        self.assertIn("Captcha refresh", text(form))
        self.assertRegex(text(one(page, "footer")), r"Page generated in \d+\.\d{4} sec")
        self.assertIn("Server-Timing", response.headers)


class PageImportServiceTests(TestCase):
    def test_outcomes_are_created_then_skipped_then_updated(self):
        page = parse_page(SEED.read_bytes(), filename=SEED.name)
        article, outcome = page_import(page=page)
        self.assertEqual(outcome, ImportOutcome.CREATED)
        again, outcome = page_import(page=page)
        self.assertEqual((again.pk, outcome), (article.pk, ImportOutcome.SKIPPED))
        edited = parse_page(
            SEED.read_bytes().replace(b"Taliban to boycott", b"Taliban will boycott"),
            filename=SEED.name,
        )
        again, outcome = page_import(page=edited)
        self.assertEqual((again.pk, outcome), (article.pk, ImportOutcome.UPDATED))
        # Saved as the newsroom saves: a new version, not an overwrite behind its back.
        self.assertEqual(Article.objects.get(pk=article.pk).version, 2)

    def test_copy_of_a_seed_in_another_folder_is_the_same_article(self):
        # The News ID, not the file name or place, is the identity.
        page = parse_page(SEED.read_bytes(), filename="anything.txt")
        page_import(page=page)
        page_import(page=page)
        self.assertEqual(Article.objects.count(), 1)
