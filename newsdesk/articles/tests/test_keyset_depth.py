"""A page deep in a list costs what its first page costs: the keyset condition bounds the walk
of the index by the cursor (core/pagination.after), instead of reading every newer story and
filtering it out, which grew with the depth on PostgreSQL."""

import json
from datetime import timedelta

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from newsdesk.articles.models import Article
from newsdesk.articles.tests.factories import ArticleFactory, SectionFactory
from newsdesk.core.pagination import keyset_page
from newsdesk.core.tests.dbwork import sqlite_steps

SIZE = 5
DEPTH = 10


def walked(run) -> int:
    """The work of the one query `run` makes: on PostgreSQL the rows its scans read (kept and
    filtered out; an index asked for), on SQLite the steps of its virtual machine as `run` runs
    it (with its parameters bound: SQLite plans a bound parameter as an unknown value)."""
    if connection.vendor == "sqlite":
        with sqlite_steps() as steps, CaptureQueriesContext(connection) as queries:
            run()
        assert len(queries) == 1, queries.captured_queries
        return steps.count
    with CaptureQueriesContext(connection) as queries:
        run()
    [query] = queries.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query["sql"])
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return _rows_read(plan[0]["Plan"])


def _rows_read(node: dict) -> int:
    own = 0
    if node["Node Type"].endswith("Scan") and node.get("Relation Name") == "articles_article":
        own = node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
    return own + sum(_rows_read(child) for child in node.get("Plans", []))


class DeepPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        start = timezone.now() - timedelta(days=1)
        cls.section, other = SectionFactory(), SectionFactory()
        for n in range(SIZE * (DEPTH + 2)):
            # One story in four in the section.
            section = cls.section if n % 4 == 0 else other
            ArticleFactory(published_at=start + timedelta(minutes=n), section=section)
        cls.stories = Article.objects.published()

    def cursor_at(self, depth: int) -> str | None:
        cursor = None
        for _ in range(depth):
            cursor = keyset_page(self.stories, cursor=cursor, size=SIZE).next_cursor
        return cursor

    def test_the_deep_page_reads_what_the_first_reads(self):
        deep_cursor = self.cursor_at(DEPTH)
        first = walked(lambda: keyset_page(self.stories, cursor=None, size=SIZE))
        deep = walked(lambda: keyset_page(self.stories, cursor=deep_cursor, size=SIZE))
        # Without the cursor's bound in the index walk, the deep page read the DEPTH * SIZE
        # newer stories too (five times as many rows, or steps, as the first page).
        self.assertLess(deep, first * 1.5, (first, deep))

    def test_a_sections_page_reads_its_own_stories_only(self):
        if connection.vendor != "sqlite":
            # SQLite takes the index that serves the whole ORDER BY, whatever it reads; PostgreSQL
            # weighs both by its statistics, and on a table this small reading every section's
            # rows through article_pub_idx is its fair choice (the 300,000-story figures in
            # BENCHMARKS.md show its section pages on their index).
            self.skipTest("a rule of SQLite's planner")
        in_section = self.stories.filter(section=self.section)
        cursor = keyset_page(in_section, cursor=None, size=SIZE).next_cursor
        home = walked(lambda: keyset_page(self.stories, cursor=None, size=SIZE))
        for page in (None, cursor):
            with self.subTest(cursor=page):
                work = walked(lambda page=page: keyset_page(in_section, cursor=page, size=SIZE))
                # Through every section's stories (article_pub_idx), four times the rows.
                self.assertLess(work, home * 1.5, (home, work))

    def test_the_deep_page_holds_the_next_stories_in_order(self):
        newest_first = list(self.stories.order_by("-published_at", "-id"))
        page = keyset_page(self.stories, cursor=self.cursor_at(DEPTH), size=SIZE)
        start = DEPTH * SIZE
        self.assertEqual(page.items, newest_first[start : start + SIZE])

    def test_stories_of_the_same_second_are_neither_lost_nor_repeated(self):
        same = timezone.now() - timedelta(hours=2)
        tied = {ArticleFactory(published_at=same).pk for _ in range(SIZE + 2)}
        seen, cursor = [], None
        while True:
            page = keyset_page(self.stories, cursor=cursor, size=SIZE)
            seen += [story.pk for story in page.items]
            if not (cursor := page.next_cursor):
                break
        self.assertEqual(len(seen), len(set(seen)))
        self.assertLessEqual(tied, set(seen))
        self.assertEqual(len(seen), self.stories.count())
