"""What only the PostgreSQL backend has: phrases looked up by their pairs of words."""

from unittest import mock, skipUnless

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from newsdesk.articles.tests.plain_factories import ArticleFactory

from ..backends import backend_for
from ..backends.postgres import PHRASE_HELD
from ..models import PostgresDocument
from ..query import parse_query
from ..selectors import search_articles


def ranking_plan(text: str) -> str:
    """EXPLAIN of the statement that finds and ranks the candidates of a search for `text`."""
    with CaptureQueriesContext(connection) as queries:
        search_articles(query=parse_query(text))
    [sql] = [q["sql"] for q in queries.captured_queries if "ts_rank" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (VERBOSE) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


@skipUnless(connection.vendor == "postgresql", "the pairs of words are PostgreSQL's")
class PhrasePairsTests(TestCase):
    def test_pairs_are_the_words_standing_side_by_side_in_the_story(self):
        article = ArticleFactory(headline="Peace talks resume", body="<p>Then silence fell.</p>")
        pairs = PostgresDocument.objects.get(article=article).pairs
        self.assertEqual(sorted(pairs), ["peac talk", "silenc fell", "talk resum"])

    def test_two_words_are_their_pair_and_longer_phrases_are_checked_on_the_vector(self):
        ArticleFactory(headline="Peace talks resume in Kabul")
        # The conditions as the planner sees them: the pairs hidden from it (an InitPlan, $0),
        # the rest folded to what applies.
        plan = ranking_plan('"talks resume"')
        self.assertIn("pairs @> $0", plan)
        self.assertIn("""Output: '{"talk resum"}'::text[]""", plan)
        self.assertNotIn("document @@", plan)
        plan = ranking_plan('"peace talks resume"')
        self.assertIn("""Output: '{"peac talk","talk resum"}'::text[]""", plan)
        self.assertIn("document @@ '''peac'' <-> ''talk'' <-> ''resum'''::tsquery", plan)
        # A stop word leaves a gap: the pair on either side of it is looked up.
        plan = ranking_plan('"talks resume in kabul"')
        self.assertIn("""Output: '{"talk resum"}'::text[]""", plan)
        self.assertIn("pairs @> $0", plan)
        # No two words side by side: no condition on pairs (it would hold for every story).
        plan = ranking_plan('"resume in kabul"')
        self.assertNotIn("pairs @>", plan)
        self.assertIn("document @@", plan)

    def test_an_index_made_before_pairs_and_vectors_in_the_row_is_made_again(self):
        ArticleFactory(headline="Peace talks resume")
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX search_document_pairs_gin")
            cursor.execute("ALTER TABLE search_document DROP COLUMN pairs")
            cursor.execute("ALTER TABLE search_document ALTER COLUMN document SET STORAGE EXTENDED")
            backend_for(connection).ensure_installed(connection)
            cursor.execute(
                "SELECT attname, attstorage FROM pg_attribute WHERE attnum > 0"
                " AND attrelid = 'search_document'::regclass ORDER BY attnum"
            )
            columns = dict(cursor.fetchall())
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'search_document'")
            indexes = {row[0] for row in cursor.fetchall()}
        self.assertEqual(
            columns, {"article_id": "p", "document": "m", "prefixes": "m", "pairs": "x"}
        )
        self.assertIn("search_document_pairs_gin", indexes)
        self.assertEqual(
            [h.article.headline for h in search_articles(query=parse_query('"talks resume"')).hits],
            ["Peace talks resume"],
        )

    def test_an_index_without_the_function_phrases_call_is_made_again(self):
        ArticleFactory(headline="Peace talks resume")
        with connection.cursor() as cursor:
            cursor.execute(f"DROP FUNCTION {PHRASE_HELD}")
            backend_for(connection).ensure_installed(connection)
        self.assertEqual(
            [h.article.headline for h in search_articles(query=parse_query('"talks resume"')).hits],
            ["Peace talks resume"],
        )


@skipUnless(connection.vendor == "postgresql", "the windows' statements are PostgreSQL's")
class WiderWindowsTests(TestCase):
    def test_wider_windows_hide_the_query_from_the_planner_and_find_the_same(self):
        old = ArticleFactory(headline="Kestrel Point harbour")
        for n in range(6):
            ArticleFactory(headline=f"Kestrel Point news {n}", body="<p>Harbour.</p>")
        backend = type(backend_for(connection))
        with (
            mock.patch.object(backend, "WINDOWS", (2, 4)),
            CaptureQueriesContext(connection) as queries,
        ):
            hits = search_articles(query=parse_query('kestrel -"point news"')).hits
        self.assertEqual([h.article.pk for h in hits], [old.pk])
        ranked = [q["sql"] for q in queries.captured_queries if "ts_rank" in q["sql"]]
        self.assertEqual(len(ranked), 3)  # the newest 2 ids, the newest 4, all
        self.assertEqual(["@@ (SELECT" in sql for sql in ranked], [False, True, True])
        self.assertEqual(len(queries), backend.queries_per_search + 2)
