"""Feeds per language, entries and API items in each story's language and direction, and the
translations of a story as hreflang alternates in the sitemaps."""

import json

from django.conf import settings
from django.test import TestCase, override_settings
from lxml import etree

from newsdesk.articles.models import Article
from newsdesk.articles.tests.factories import ArticleFactory

NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "x": "http://www.w3.org/1999/xhtml",
    "a": "http://www.w3.org/2005/Atom",
}


class LanguageFeedTests(TestCase):
    def setUp(self):
        self.english = ArticleFactory(headline="NATO forces to leave together")
        self.persian = ArticleFactory(
            headline="نیروهای ناتو با هم می‌روند",
            body="<p>متن خبر.</p>",
            language="fa",
            translation_of=self.english,
        )

    def test_a_language_feed_lists_only_that_language_and_says_which(self):
        rss = etree.fromstring(self.client.get("/feeds/language/fa/rss/").content)
        self.assertEqual(rss.findtext("channel/language"), "fa")
        self.assertEqual(
            [item.findtext("title") for item in rss.iter("item")], [self.persian.headline]
        )
        feed = json.loads(self.client.get("/feeds/language/en/json/").content)
        self.assertEqual(feed["language"], "en")
        self.assertEqual([item["title"] for item in feed["items"]], [self.english.headline])

    def test_a_language_without_a_feed_is_a_clear_404(self):
        response = self.client.get("/feeds/language/xx/rss/")
        self.assertEqual(response.status_code, 404)

    def test_entries_carry_their_story_language_and_a_right_to_left_text_says_so(self):
        atom = etree.fromstring(self.client.get("/feeds/atom/").content)
        languages = {
            entry.findtext("a:title", namespaces=NS): entry.get(
                "{http://www.w3.org/XML/1998/namespace}lang"
            )
            for entry in atom.iterfind("a:entry", NS)
        }
        self.assertEqual(languages, {self.english.headline: "en", self.persian.headline: "fa"})
        items = json.loads(self.client.get("/feeds/json/").content)["items"]
        persian = next(item for item in items if item["language"] == "fa")
        self.assertEqual(persian["content_html"], '<div lang="fa" dir="rtl"><p>متن خبر.</p></div>')
        english = next(item for item in items if item["language"] == "en")
        self.assertNotIn("dir=", english["content_html"])

    def test_api_items_carry_language_and_direction(self):
        items = self.client.get("/api/articles").json()["items"]
        found = {item["news_id"]: (item["language"], item["dir"]) for item in items}
        self.assertEqual(
            found, {self.english.news_id: ("en", "ltr"), self.persian.news_id: ("fa", "rtl")}
        )

    @override_settings(LANGUAGE_CODE="fa")
    def test_pages_name_a_feed_for_each_language(self):
        html = self.client.get("/").content.decode()
        for code in ("en", "fa", "ar"):
            self.assertIn(f'href="/feeds/language/{code}/rss/"', html)
        # hreflang alternates name this page in other languages (crawlers, Lighthouse's hreflang
        # audit: absolute addresses); a feed is not one, its language is in its title.
        self.assertNotRegex(html, r"<link[^>]*application/rss\+xml[^>]*hreflang=")


class SitemapAlternateTests(TestCase):
    def setUp(self):
        self.english = ArticleFactory(headline="NATO forces to leave together")
        self.persian = ArticleFactory(headline="ناتو", language="fa", translation_of=self.english)
        self.arabic = ArticleFactory(headline="الناتو", language="ar", translation_of=self.english)
        self.alone = ArticleFactory(headline="A story in one language only")

    def alternates(self, path: str) -> dict[str, list[tuple[str, str]]]:
        document = etree.fromstring(self.client.get(path).content)
        return {
            url.findtext("s:loc", namespaces=NS): sorted(
                (link.get("hreflang"), link.get("href")) for link in url.iterfind("x:link", NS)
            )
            for url in document.iterfind("s:url", NS)
        }

    def expected(self) -> list[tuple[str, str]]:
        return sorted(
            (story.language, settings.NEWSDESK_SITE_URL + story.get_absolute_url())
            for story in (self.english, self.persian, self.arabic)
        )

    def test_each_story_of_a_group_names_every_translation_in_both_sitemaps(self):
        for path in ("/sitemap-news.xml", "/sitemap-articles.xml?p=11"):
            with self.subTest(path=path):
                found = self.alternates(path)
                for story in (self.english, self.persian, self.arabic):
                    url = settings.NEWSDESK_SITE_URL + story.get_absolute_url()
                    self.assertEqual(found[url], self.expected())
                alone = settings.NEWSDESK_SITE_URL + self.alone.get_absolute_url()
                self.assertEqual(found[alone], [])

    def test_a_translation_readers_cannot_see_is_left_out(self):
        Article.objects.filter(pk=self.arabic.pk).update(status=Article.Status.DRAFT)
        found = self.alternates("/sitemap-news.xml")
        url = settings.NEWSDESK_SITE_URL + self.english.get_absolute_url()
        self.assertEqual([language for language, _ in found[url]], ["en", "fa"])
