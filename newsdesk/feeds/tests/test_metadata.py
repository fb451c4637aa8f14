import json

import lxml.html
from django.test import TestCase

from newsdesk.articles.tests.plain_factories import (
    ArticleFactory,
    AuthorFactory,
    KeywordFactory,
    SectionFactory,
)

EVIL = 'Talks </script><script>alert(1)</script> & "quotes"'


class ArticlePageMetadataTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = SectionFactory(name="World", slug="world")
        cls.article = ArticleFactory(
            headline=EVIL,
            summary="Delegates met <b>today</b>.",
            section=cls.section,
            keywords=[KeywordFactory(name="Kabul")],
            authors=[AuthorFactory(name="Sara Ahmadi")],
        )

    def page(self):
        response = self.client.get(self.article.get_absolute_url())
        self.assertEqual(response.status_code, 200)
        return lxml.html.fromstring(response.content)

    def json_ld(self, document, kind):
        blocks = [
            json.loads(s.text) for s in document.xpath('//script[@type="application/ld+json"]')
        ]
        return next(b for b in blocks if b["@type"] == kind)

    def test_canonical_link_is_absolute(self):
        [href] = self.page().xpath('//link[@rel="canonical"]/@href')
        self.assertEqual(href, f"http://127.0.0.1:8000{self.article.get_absolute_url()}")

    def test_news_article_json_ld_has_every_property_google_asks_for(self):
        data = self.json_ld(self.page(), "NewsArticle")
        self.assertEqual(data["headline"], EVIL)
        self.assertEqual(
            data["datePublished"], self.article.published_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        )
        self.assertTrue(data["dateModified"].endswith("Z"))
        self.assertEqual(data["author"], [{"@type": "Person", "name": "Sara Ahmadi"}])
        self.assertEqual(data["publisher"]["name"], "Newsdesk")
        self.assertTrue(data["publisher"]["logo"]["url"].startswith("http://127.0.0.1:8000/"))
        self.assertTrue(data["image"][0].startswith("http://"))
        self.assertEqual(
            data["mainEntityOfPage"]["@id"],
            f"http://127.0.0.1:8000{self.article.get_absolute_url()}",
        )
        self.assertEqual(data["articleSection"], "World")
        self.assertEqual(data["keywords"], ["Kabul"])

    def test_a_headline_cannot_close_the_json_ld_script(self):
        html = self.client.get(self.article.get_absolute_url()).content.decode()
        self.assertNotIn("</script><script>alert(1)", html)
        self.assertEqual(
            len(self.page().xpath("//script[not(@src) and not(@type='application/ld+json')]")), 0
        )

    def test_breadcrumbs_lead_home_then_section_then_story(self):
        data = self.json_ld(self.page(), "BreadcrumbList")
        self.assertEqual([i["name"] for i in data["itemListElement"]], ["Home", "World", EVIL])
        self.assertEqual([i["position"] for i in data["itemListElement"]], [1, 2, 3])

    def test_open_graph_and_twitter_tags(self):
        document = self.page()

        def meta(attr, name):
            return document.xpath(f'//meta[@{attr}="{name}"]/@content')

        self.assertEqual(meta("property", "og:type"), ["article"])
        self.assertEqual(meta("property", "og:title"), [EVIL])
        self.assertEqual(meta("property", "og:description"), ["Delegates met <b>today</b>."])
        self.assertEqual(
            meta("property", "og:url"), [f"http://127.0.0.1:8000{self.article.get_absolute_url()}"]
        )
        self.assertEqual(len(meta("property", "og:image")), 1)
        self.assertEqual(meta("property", "article:section"), ["World"])
        self.assertEqual(meta("property", "article:tag"), ["Kabul"])
        self.assertEqual(meta("name", "twitter:card"), ["summary"])
        self.assertEqual(meta("name", "twitter:title"), [EVIL])

    def test_story_without_authors_is_credited_to_the_publication(self):
        article = ArticleFactory(headline="Unsigned")
        document = lxml.html.fromstring(self.client.get(article.get_absolute_url()).content)
        data = self.json_ld(document, "NewsArticle")
        self.assertEqual(data["author"][0]["@type"], "Organization")
