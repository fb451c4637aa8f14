import json
from datetime import timedelta

from django.test import TestCase
from django.utils import timezone

from newsdesk.articles.models import Article
from newsdesk.articles.tests.plain_factories import (
    ArticleFactory,
    AuthorFactory,
    KeywordFactory,
    SectionFactory,
)


class ApiTestData(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = SectionFactory(name="World", slug="world")
        cls.keyword = KeywordFactory(name="Kabul", slug="kabul")
        cls.author = AuthorFactory(name="Sara Ahmadi", slug="sara")
        cls.articles = [
            ArticleFactory(
                headline=f"Kabul talks day {n}",
                section=cls.section,
                keywords=[cls.keyword],
                authors=[cls.author],
                published_at=timezone.now() - timedelta(hours=n + 1),
            )
            for n in range(5)
        ]
        ArticleFactory(headline="Kabul draft", status=Article.Status.DRAFT, section=cls.section)
        ArticleFactory(headline="Kabul embargo", published_at=timezone.now() + timedelta(hours=5))

    def get(self, url, **params):
        return self.client.get(url, params)


class ArticleEndpointTests(ApiTestData):
    def test_lists_published_stories_newest_first_with_a_cursor(self):
        first = self.get("/api/articles", limit=3).json()
        self.assertEqual(
            [a["headline"] for a in first["items"]], [f"Kabul talks day {n}" for n in range(3)]
        )
        second = self.get("/api/articles", limit=3, cursor=first["next_cursor"]).json()
        self.assertEqual(
            [a["headline"] for a in second["items"]], ["Kabul talks day 3", "Kabul talks day 4"]
        )
        self.assertIsNone(second["next_cursor"])

    def test_drafts_and_embargoed_stories_never_appear(self):
        body = self.client.get("/api/articles", {"limit": 100}).content.decode()
        self.assertNotIn("draft", body)
        self.assertNotIn("embargo", body)
        draft = Article.objects.get(headline="Kabul draft")
        self.assertEqual(self.client.get(f"/api/articles/{draft.news_id}").status_code, 404)

    def test_article_detail_has_body_keywords_authors_and_no_email_addresses(self):
        article = self.articles[0]
        data = self.client.get(f"/api/articles/{article.news_id}").json()
        self.assertEqual(data["headline"], article.headline)
        self.assertEqual(data["body_html"], article.body)
        self.assertEqual(data["keywords"][0]["slug"], "kabul")
        self.assertEqual(data["authors"][0]["name"], "Sara Ahmadi")
        self.assertTrue(data["url"].startswith("http://127.0.0.1:8000/news/"))
        self.assertNotIn("@", json.dumps(data))

    def test_filters_by_section_keyword_author_and_dates(self):
        self.assertEqual(len(self.get("/api/articles", section="world").json()["items"]), 5)
        self.assertEqual(len(self.get("/api/articles", keyword="kabul").json()["items"]), 5)
        self.assertEqual(len(self.get("/api/articles", author="sara").json()["items"]), 5)
        today = timezone.now().date()
        self.assertEqual(
            len(self.get("/api/articles", since=str(today + timedelta(days=1))).json()["items"]), 0
        )
        self.assertEqual(self.get("/api/articles", section="nope").status_code, 404)


class MalformedParameterTests(ApiTestData):
    def test_malformed_parameters_are_400_with_a_message(self):
        for params in (
            {"limit": "x"},
            {"limit": 0},
            {"limit": 1000},
            {"since": "14/04/2021"},
            {"cursor": "!!"},
        ):
            with self.subTest(params=params):
                response = self.client.get("/api/articles", params)
                self.assertEqual(response.status_code, 400)
                self.assertIn("message", response.json())

    def test_search_without_q_or_with_a_bad_sort_is_400(self):
        self.assertEqual(self.client.get("/api/search").status_code, 400)
        response = self.client.get("/api/search", {"q": "kabul", "sort": "random"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("sort", response.json()["message"])

    def test_bad_cursors_are_400(self):
        self.assertEqual(self.client.get("/api/keywords", {"cursor": "abc"}).status_code, 400)
        self.assertEqual(
            self.client.get("/api/search", {"q": "kabul", "cursor": "abc"}).status_code, 400
        )


class ConditionalGetTests(ApiTestData):
    def test_etag_and_304(self):
        response = self.client.get("/api/articles")
        etag = response["ETag"]
        again = self.client.get("/api/articles", headers={"if-none-match": etag})
        self.assertEqual(again.status_code, 304)
        self.assertEqual(again["ETag"], etag)

    def test_an_edit_changes_the_etag(self):
        etag = self.client.get("/api/articles")["ETag"]
        article = self.articles[0]
        article.headline = "Changed"
        article.save()
        self.assertEqual(
            self.client.get("/api/articles", headers={"if-none-match": etag}).status_code, 200
        )


class TaxonomyEndpointTests(ApiTestData):
    def test_sections_keywords_and_authors(self):
        self.assertEqual(self.client.get("/api/sections").json()["items"][0]["slug"], "world")
        self.assertEqual(self.client.get("/api/sections/world").json()["name"], "World")
        self.assertEqual(self.client.get("/api/keywords/kabul").json()["name"], "Kabul")
        self.assertEqual(self.client.get("/api/authors/sara").json()["name"], "Sara Ahmadi")
        self.assertEqual(self.client.get("/api/authors/nobody").status_code, 404)

    def test_keyword_pages_follow_the_cursor(self):
        for n in range(3):
            KeywordFactory(name=f"Extra {n}")
        first = self.client.get("/api/keywords", {"limit": 2}).json()
        second = self.client.get(
            "/api/keywords", {"limit": 2, "cursor": first["next_cursor"]}
        ).json()
        slugs = [k["slug"] for k in first["items"] + second["items"]]
        self.assertEqual(len(slugs), len(set(slugs)))
        self.assertEqual(len(slugs), 4)


class SearchEndpointTests(ApiTestData):
    def test_search_returns_published_hits_with_safe_snippets(self):
        data = self.client.get("/api/search", {"q": "kabul", "limit": 3}).json()
        self.assertEqual(len(data["items"]), 3)
        self.assertTrue(all("draft" not in h["article"]["headline"] for h in data["items"]))
        more = self.client.get(
            "/api/search", {"q": "kabul", "limit": 3, "cursor": data["next_cursor"]}
        ).json()
        self.assertEqual(len(more["items"]), 2)
        self.assertIsNone(more["next_cursor"])


class OpenApiTests(TestCase):
    def test_openapi_describes_every_operation(self):
        schema = self.client.get("/api/openapi.json").json()
        self.assertTrue(schema["openapi"].startswith("3."))
        self.assertEqual(
            set(schema["paths"]),
            {
                "/api/articles",
                "/api/articles/{news_id}",
                "/api/sections",
                "/api/sections/{slug}",
                "/api/keywords",
                "/api/keywords/{slug}",
                "/api/authors",
                "/api/authors/{slug}",
                "/api/search",
            },
        )

    def test_docs_page_uses_only_our_own_assets(self):
        response = self.client.get("/api/docs")
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("/static/ninja/swagger-ui-bundle.js", html)
        self.assertNotIn("cdn.", html)
        self.assertNotIn("https://", html)
