"""Every public page has a query budget: a fixed number of queries, whatever the number of
stories it lists or the archive holds (no query per story, no count of the archive)."""

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from newsdesk.articles.tests.factories import (
    ArticleFactory,
    AuthorFactory,
    KeywordFactory,
    SectionFactory,
)

# Page: the most queries an anonymous first view of it may make.
BUDGETS = {
    "/": 4,  # navigation, top stories, the list, the next scheduled story
    "/?after={cursor}": 3,
    "/section/politics/": 5,  # + the section
    "/section/politics/?after={cursor}": 5,
    "/keyword/harbour/": 5,
    "/author/ana/": 5,
    "/search/?q=harbour": 7,
    "/feeds/rss/": 4,
    "/feeds/atom/": 4,
    "/feeds/json/": 4,
    "/feeds/section/politics/rss/": 5,
    "/feeds/keyword/harbour/rss/": 5,
    "/feeds/author/ana/rss/": 5,
    "/sitemap.xml": 5,  # + a count of the authors with a published story
    "/sitemap-news.xml": 2,  # + the translations of its stories (hreflang)
    "/sitemap-sections.xml": 2,
    "/sitemap-keywords.xml": 2,
    "/sitemap-authors.xml": 2,
    "/sitemap-articles.xml?p=11": 2,  # News IDs 500,000 up (the factories); + translations
    "/robots.txt": 0,
    "/api/articles": 1,
    "/api/articles?section=politics": 2,
}


class QueryBudgetTests(TestCase):
    def stories(self, n: int) -> None:
        for _ in range(n):
            ArticleFactory(
                section=self.section,
                keywords=[self.keyword],
                authors=[self.author],
                headline=f"Harbour story {ArticleFactory._meta.model.objects.count()}",
            )

    def setUp(self):
        self.section = SectionFactory(name="Politics", slug="politics")
        self.keyword = KeywordFactory(name="Harbour", slug="harbour")
        self.author = AuthorFactory(name="Ana", slug="ana")

    def counts(self) -> dict[str, int]:
        cursor = self.client.get("/").context["page"].next_cursor or ""
        found = {}
        for page in BUDGETS:
            path = page.format(cursor=cursor)
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(path)
            self.assertEqual(response.status_code, 200, path)
            found[page] = len(queries)
        return found

    def test_each_page_keeps_to_its_budget_and_lists_cost_the_same_for_more_stories(self):
        self.stories(25)  # more than a page (20): the deep pages exist
        few = self.counts()
        self.stories(25)
        many = self.counts()
        for page, budget in BUDGETS.items():
            with self.subTest(page=page):
                self.assertLessEqual(few[page], budget)
                self.assertEqual(many[page], few[page])
