from datetime import timedelta
from pathlib import Path

import time_machine
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from newsdesk.articles.models import Article, Author
from newsdesk.articles.tests.plain_factories import (
    ArticleFactory,
    AuthorFactory,
    KeywordFactory,
    SectionFactory,
)

from .. import sitemaps

FIXTURES = Path(__file__).parent / "fixtures"
NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "n": "http://www.google.com/schemas/sitemap-news/0.9",
}


def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(FIXTURES / name)))


def _news_schema() -> etree.XMLSchema:
    # The urlset schema lets other namespaces in strictly: load the news schema beside it.
    imports = "".join(
        f'<xsd:import namespace="{NS[prefix]}" schemaLocation="{FIXTURES / name}"/>'
        for prefix, name in (("s", "sitemap.xsd"), ("n", "sitemap-news.xsd"))
    )
    wrapper = f'<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema">{imports}</xsd:schema>'
    return etree.XMLSchema(etree.fromstring(wrapper.encode()))


class SitemapTestCase(TestCase):
    def fetch(self, url, schema):
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200, url)
        document = etree.fromstring(response.content)
        schema.assertValid(document)
        return document


class SitemapTests(SitemapTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = SectionFactory(name="World", slug="world")
        cls.keyword = KeywordFactory(name="Kabul", slug="kabul")
        KeywordFactory(name="Unused", slug="unused")
        cls.author = AuthorFactory(name="Sara Ahmadi", slug="sara-ahmadi")
        AuthorFactory(name="Only Drafts", slug="only-drafts")
        cls.old = ArticleFactory(
            headline="Old & <odd>",
            published_at=timezone.now() - timedelta(days=30),
            section=cls.section,
            keywords=[cls.keyword],
            authors=[cls.author],
        )
        cls.far = ArticleFactory(headline="Far away")
        Article.objects.filter(pk=cls.far.pk).update(news_id=120_007)
        ArticleFactory(headline="Draft", status=Article.Status.DRAFT)
        ArticleFactory(headline="Embargoed", published_at=timezone.now() + timedelta(hours=3))

    def test_index_validates_and_lists_news_sections_keywords_and_each_article_block(self):
        document = self.fetch(reverse("feeds:sitemap-index"), _schema("siteindex.xsd"))
        locations = document.xpath("//s:loc/text()", namespaces=NS)
        self.assertEqual(
            locations,
            [
                "http://127.0.0.1:8000/sitemap-news.xml",
                "http://127.0.0.1:8000/sitemap-sections.xml",
                "http://127.0.0.1:8000/sitemap-keywords.xml",
                "http://127.0.0.1:8000/sitemap-authors.xml",
                "http://127.0.0.1:8000/sitemap-articles.xml",
                "http://127.0.0.1:8000/sitemap-articles.xml?p=3",  # News IDs 100000-149999
            ],
        )

    def test_article_sitemaps_list_published_stories_by_block_with_lastmod(self):
        schema = _schema("sitemap.xsd")
        first = self.fetch(reverse("feeds:sitemap", kwargs={"section": "articles"}), schema)
        self.assertEqual(
            first.xpath("//s:loc/text()", namespaces=NS),
            [f"http://127.0.0.1:8000{self.old.get_absolute_url()}"],
        )
        self.assertEqual(len(first.xpath("//s:lastmod", namespaces=NS)), 1)
        third = self.fetch(
            reverse("feeds:sitemap", kwargs={"section": "articles"}) + "?p=3", schema
        )
        self.assertEqual(len(third.xpath("//s:url", namespaces=NS)), 1)

    def test_empty_or_malformed_block_is_404(self):
        url = reverse("feeds:sitemap", kwargs={"section": "articles"})
        self.assertEqual(self.client.get(url + "?p=2").status_code, 404)
        self.assertEqual(self.client.get(url + "?p=x").status_code, 404)
        self.assertEqual(self.client.get(url + "?p=-1").status_code, 404)
        self.assertEqual(
            self.client.get(reverse("feeds:sitemap", kwargs={"section": "nope"})).status_code, 404
        )

    def test_section_and_keyword_sitemaps_validate(self):
        schema = _schema("sitemap.xsd")
        sections = self.fetch(reverse("feeds:sitemap", kwargs={"section": "sections"}), schema)
        self.assertEqual(
            sections.xpath("//s:loc/text()", namespaces=NS),
            ["http://127.0.0.1:8000/section/world/"],
        )
        keywords = self.fetch(reverse("feeds:sitemap", kwargs={"section": "keywords"}), schema)
        self.assertEqual(
            keywords.xpath("//s:loc/text()", namespaces=NS),
            ["http://127.0.0.1:8000/keyword/kabul/"],
        )

    def test_author_sitemap_lists_authors_with_a_published_story(self):
        ArticleFactory(headline="Draft by", status=Article.Status.DRAFT).authors.set(
            [Author.objects.get(slug="only-drafts")]
        )
        authors = self.fetch(
            reverse("feeds:sitemap", kwargs={"section": "authors"}), _schema("sitemap.xsd")
        )
        self.assertEqual(
            authors.xpath("//s:loc/text()", namespaces=NS),
            ["http://127.0.0.1:8000/author/sara-ahmadi/"],
        )

    def test_blocks_are_found_with_one_query_per_block(self):
        with self.assertNumQueries(3):
            self.assertEqual(sitemaps.article_blocks(), [1, 3])


class NewsSitemapTests(SitemapTestCase):
    def test_lists_exactly_the_stories_of_the_last_48_hours(self):
        now = timezone.now()
        recent = ArticleFactory(headline="Fresh & <new>", published_at=now - timedelta(hours=47))
        ArticleFactory(headline="Too old", published_at=now - timedelta(hours=49))
        ArticleFactory(
            headline="Draft", status=Article.Status.DRAFT, published_at=now - timedelta(hours=1)
        )
        ArticleFactory(headline="Embargoed", published_at=now + timedelta(hours=1))
        document = self.fetch(reverse("feeds:sitemap-news"), _news_schema())
        self.assertEqual(document.xpath("//n:title/text()", namespaces=NS), ["Fresh & <new>"])
        self.assertEqual(
            document.xpath("//s:loc/text()", namespaces=NS),
            [f"http://127.0.0.1:8000{recent.get_absolute_url()}"],
        )
        self.assertEqual(document.xpath("//n:name/text()", namespaces=NS), ["Newsdesk"])

    def test_is_computed_on_each_request_never_stale(self):
        ArticleFactory(headline="Fresh", published_at=timezone.now() - timedelta(hours=47))
        self.fetch(reverse("feeds:sitemap-news"), _news_schema())
        with time_machine.travel(timezone.now() + timedelta(hours=2)):
            response = self.client.get(reverse("feeds:sitemap-news"))
            self.assertNotContains(response, "Fresh")

    def test_holds_at_most_1000_stories(self):
        self.assertEqual(sitemaps.NEWS_LIMIT, 1000)
        with self.assertNumQueries(1):
            self.client.get(reverse("feeds:sitemap-news"))


class RobotsTxtTests(TestCase):
    def test_points_to_the_sitemaps(self):
        response = self.client.get("/robots.txt")
        self.assertEqual(response["Content-Type"], "text/plain; charset=utf-8")
        self.assertContains(response, "Sitemap: http://127.0.0.1:8000/sitemap.xml")
        self.assertContains(response, "Sitemap: http://127.0.0.1:8000/sitemap-news.xml")
        self.assertContains(response, "Disallow: /admin/")


class ArticleSitemapAddressTests(SitemapTestCase):
    def test_written_addresses_equal_the_pages_own_for_any_slug(self):
        article = ArticleFactory(headline="طالبان در نشست ترکیه شرکت نمی‌کنند")
        document = self.fetch(
            reverse("feeds:sitemap", kwargs={"section": "articles"}), _schema("sitemap.xsd")
        )
        [loc] = document.xpath("//s:loc/text()", namespaces=NS)
        self.assertEqual(loc, f"http://127.0.0.1:8000{article.get_absolute_url()}")
        self.assertEqual(
            self.client.get(loc.removeprefix("http://127.0.0.1:8000")).status_code, 200
        )
