import json
from datetime import timedelta
from pathlib import Path

import feedparser
import jsonschema
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from newsdesk.articles.models import Article
from newsdesk.articles.services import article_unpublish
from newsdesk.articles.tests.plain_factories import (
    ArticleFactory,
    AuthorFactory,
    KeywordFactory,
    SectionFactory,
)

FIXTURES = Path(__file__).parent / "fixtures"
JSON_FEED_SCHEMA = json.loads((FIXTURES / "jsonfeed-1.1.schema.json").read_text())


def feed_urls(section, keyword):
    for fmt in ("rss", "atom", "json"):
        yield reverse("feeds:site", kwargs={"fmt": fmt})
        yield reverse("feeds:section", kwargs={"slug": section.slug, "fmt": fmt})
        yield reverse("feeds:keyword", kwargs={"slug": keyword.slug, "fmt": fmt})


class FeedTestData(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = SectionFactory(name="World", slug="world")
        cls.keyword = KeywordFactory(name="Kabul & <Talks>", slug="kabul")
        cls.author = AuthorFactory(name="Sara Ahmadi")
        cls.article = ArticleFactory(
            headline='Talks "resume" in Kabul <now>',
            summary="Delegates met & talked.",
            body="<p>First paragraph.</p><h2>Sub-head</h2><p>Second &amp; last.</p>",
            section=cls.section,
            keywords=[cls.keyword],
            authors=[cls.author],
        )
        ArticleFactory(
            headline="A draft",
            status=Article.Status.DRAFT,
            section=cls.section,
            keywords=[cls.keyword],
        )
        ArticleFactory(
            headline="Still embargoed",
            published_at=timezone.now() + timedelta(days=1),
            section=cls.section,
            keywords=[cls.keyword],
        )


class FeedFormatTests(FeedTestData):
    def test_rss_and_atom_feeds_parse_without_errors_and_list_only_published_stories(self):
        for url in feed_urls(self.section, self.keyword):
            if url.endswith("json/"):
                continue
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                parsed = feedparser.parse(response.content)
                self.assertFalse(parsed.bozo, parsed.get("bozo_exception"))
                self.assertEqual(
                    [e.title for e in parsed.entries], ['Talks "resume" in Kabul <now>']
                )

    def test_json_feeds_pass_the_json_feed_schema(self):
        for url in feed_urls(self.section, self.keyword):
            if not url.endswith("json/"):
                continue
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response["Content-Type"], "application/feed+json; charset=utf-8")
                data = json.loads(response.content)
                jsonschema.validate(
                    data, JSON_FEED_SCHEMA, format_checker=jsonschema.FormatChecker()
                )
                self.assertEqual(
                    [item["title"] for item in data["items"]], ['Talks "resume" in Kabul <now>']
                )

    def test_entries_carry_authors_categories_dates_and_the_full_text(self):
        entry = feedparser.parse(
            self.client.get(reverse("feeds:site", kwargs={"fmt": "atom"})).content
        ).entries[0]
        self.assertEqual(entry.author, "Sara Ahmadi")
        self.assertEqual({t.term for t in entry.tags}, {"World", "Kabul & <Talks>"})
        self.assertIn("Sub-head", entry.content[0].value)
        self.assertEqual(entry.summary, "Delegates met & talked.")
        self.assertTrue(entry.link.startswith("http://127.0.0.1:8000/news/"))
        rss = feedparser.parse(
            self.client.get(reverse("feeds:site", kwargs={"fmt": "rss"})).content
        ).entries[0]
        self.assertIn("Sub-head", rss.content[0].value)
        self.assertEqual(rss.author, "Sara Ahmadi")
        self.assertIsNotNone(rss.published_parsed)

    @override_settings(NEWSDESK_FEED_FULL_TEXT=False)
    def test_summary_only_setting_leaves_the_body_out(self):
        for fmt in ("rss", "atom", "json"):
            content = self.client.get(reverse("feeds:site", kwargs={"fmt": fmt})).content.decode()
            self.assertNotIn("Sub-head", content)
            self.assertIn("Delegates met", content)

    def test_feeds_name_the_sections_keywords_and_authors_whose_names_they_show(self):
        # A rename in the admin purges these keys: a feed that lists the name must be among them.
        shown = {
            f"section-{self.section.pk}",
            f"keyword-{self.keyword.pk}",
            f"author-{self.author.pk}",
        }
        for url in feed_urls(self.section, self.keyword):
            with self.subTest(url=url):
                keys = set(self.client.get(url)["Surrogate-Key"].split())
                self.assertLessEqual(shown, keys)

    def test_unknown_section_keyword_or_format_is_404(self):
        self.assertEqual(
            self.client.get(
                reverse("feeds:section", kwargs={"slug": "x", "fmt": "rss"})
            ).status_code,
            404,
        )
        self.assertEqual(
            self.client.get(reverse("feeds:site", kwargs={"fmt": "pdf"})).status_code, 404
        )

    def test_unpublished_story_leaves_the_feed_at_once(self):
        article_unpublish(article=self.article, by=None)
        parsed = feedparser.parse(
            self.client.get(reverse("feeds:site", kwargs={"fmt": "rss"})).content
        )
        self.assertEqual(parsed.entries, [])


class FeedConditionalGetTests(FeedTestData):
    def test_a_matching_etag_answers_304(self):
        url = reverse("feeds:site", kwargs={"fmt": "rss"})
        etag = self.client.get(url)["ETag"]
        self.assertEqual(self.client.get(url, headers={"if-none-match": etag}).status_code, 304)

    def test_an_edit_makes_the_feed_new_again(self):
        url = reverse("feeds:site", kwargs={"fmt": "json"})
        etag = self.client.get(url)["ETag"]
        self.article.headline = "Talks end"
        self.article.save()
        self.assertEqual(self.client.get(url, headers={"if-none-match": etag}).status_code, 200)

    def test_withdrawn_story_changes_the_etag(self):
        url = reverse("feeds:site", kwargs={"fmt": "atom"})
        etag = self.client.get(url)["ETag"]
        article_unpublish(article=self.article, by=None)
        self.assertEqual(self.client.get(url, headers={"if-none-match": etag}).status_code, 200)

    def test_a_renamed_section_keyword_or_author_changes_the_etag(self):
        # The names are in every item; no item's update time changes with them.
        renames = [(self.section, "Abroad"), (self.keyword, "Doha"), (self.author, "S. Ahmadi")]
        for fmt in ("rss", "atom", "json"):
            url = reverse("feeds:keyword", kwargs={"slug": "kabul", "fmt": fmt})
            for obj, name in renames:
                with self.subTest(fmt=fmt, renamed=type(obj).__name__):
                    etag = self.client.get(url)["ETag"]
                    obj.name = f"{name} {fmt}"
                    obj.save()
                    again = self.client.get(url, headers={"if-none-match": etag})
                    self.assertEqual(again.status_code, 200)
                    self.assertIn(obj.name, again.content.decode())

    def test_if_modified_since_alone_never_answers_304(self):
        # No Last-Modified: no stored date covers a rename, so a date would be answered 304
        # with the old name.
        url = reverse("feeds:site", kwargs={"fmt": "rss"})
        self.assertNotIn("Last-Modified", self.client.get(url))
        stamp = http_date((timezone.now() + timedelta(minutes=1)).timestamp())
        self.assertEqual(
            self.client.get(url, headers={"if-modified-since": stamp}).status_code, 200
        )

    def test_feed_query_count_does_not_grow_with_items(self):
        url = reverse("feeds:keyword", kwargs={"slug": "kabul", "fmt": "rss"})
        for _ in range(5):
            ArticleFactory(section=self.section, keywords=[self.keyword], authors=[self.author])
        with self.assertNumQueries(4):  # keyword, items, authors, keywords
            self.client.get(url)


class AuthorFeedTests(FeedTestData):
    def test_an_authors_feeds_list_their_published_stories_and_are_the_head_of_their_list(self):
        other = ArticleFactory(headline="By someone else")
        other.authors.set([AuthorFactory(name="Someone Else")])
        for fmt in ("rss", "atom", "json"):
            url = reverse("feeds:author", kwargs={"slug": self.author.slug, "fmt": fmt})
            with self.subTest(fmt=fmt):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertIn(f"list-author-{self.author.pk}", response["Surrogate-Key"].split())
                if fmt == "json":
                    data = json.loads(response.content)
                    jsonschema.validate(data, JSON_FEED_SCHEMA)
                    titles = [item["title"] for item in data["items"]]
                    description = data["description"]
                else:
                    parsed = feedparser.parse(response.content)
                    self.assertFalse(parsed.bozo, parsed.get("bozo_exception"))
                    titles = [entry.title for entry in parsed.entries]
                    description = parsed.feed.get("subtitle") or parsed.feed.get("description")
                self.assertEqual(titles, ['Talks "resume" in Kabul <now>'])
                self.assertEqual(description, "The latest stories by Sara Ahmadi from Newsdesk.")

    def test_unknown_author_is_404(self):
        url = reverse("feeds:author", kwargs={"slug": "nobody", "fmt": "rss"})
        self.assertEqual(self.client.get(url).status_code, 404)
