from unittest import skipUnless

from django.db import connection
from django.test import TestCase

from newsdesk.articles.tests.plain_factories import ArticleFactory

from ..backends import backend_for
from ..query import parse_query
from ..selectors import search_articles


class IndexRepairTests(TestCase):
    def test_lost_triggers_are_put_back_and_the_index_rebuilt(self):
        backend = backend_for(connection)
        backend.suspend(connection)  # as a rebuilt articles table would leave it on SQLite
        ArticleFactory(headline="Written while the triggers were gone")
        backend.ensure_installed(connection)
        self.assertEqual(
            [h.article.headline for h in search_articles(query=parse_query("triggers")).hits],
            ["Written while the triggers were gone"],
        )
        ArticleFactory(headline="Written after the repair")
        self.assertEqual(len(search_articles(query=parse_query("written")).hits), 2)


@skipUnless(connection.vendor == "postgresql", "planner statistics are PostgreSQL's")
class RebuildStatisticsTests(TestCase):
    def test_a_rebuild_leaves_the_planner_statistics_of_the_tables_it_reads(self):
        for n in range(3):
            ArticleFactory(headline=f"Story {n}")
        tables = ["articles_article", "articles_article_keywords", "search_document"]
        with connection.cursor() as cursor:
            # -1: never analyzed (PostgreSQL 14 and later); what a bulk load leaves.
            cursor.execute("UPDATE pg_class SET reltuples = -1 WHERE relname = ANY(%s)", [tables])
            backend_for(connection).rebuild(connection)
            cursor.execute(
                "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)", [tables]
            )
            statistics = dict(cursor.fetchall())
        self.assertEqual(set(statistics), set(tables))
        self.assertEqual(statistics["search_document"], 3)
        self.assertTrue(all(tuples >= 0 for tuples in statistics.values()), statistics)
