"""Listing pages' queries that must not read a large archive: when the next story not yet
visible appears (what bounds how long listing pages are kept), the top stories, and the
stories whose side effects are overdue."""

from datetime import timedelta

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from newsdesk.articles.models import Article
from newsdesk.articles.tests.factories import ArticleFactory


class NextVisibleTests(TestCase):
    def test_nothing_to_come_gives_none(self):
        self.assertIsNone(Article.objects.next_visible_at())
        ArticleFactory()
        self.assertIsNone(Article.objects.next_visible_at())

    def test_the_sooner_of_a_publish_time_and_an_embargo_lift(self):
        now = timezone.now()
        ArticleFactory(published_at=now + timedelta(hours=3))
        embargoed = ArticleFactory(embargo_until=now + timedelta(hours=1))
        ArticleFactory(published_at=now + timedelta(hours=2), status=Article.Status.DRAFT)
        self.assertEqual(Article.objects.next_visible_at(), embargoed.embargo_until)
        Article.objects.filter(pk=embargoed.pk).update(embargo_until=now - timedelta(minutes=1))
        self.assertEqual(Article.objects.next_visible_at(), now + timedelta(hours=3))

    def test_one_query_reading_the_first_row_of_two_indexes(self):
        ArticleFactory(published_at=timezone.now() + timedelta(hours=1))
        plan = query_plan(Article.objects.next_visible_at)
        # Not a scan of every published story (what a MIN over them did).
        self.assertIn("article_embargo_idx", plan)
        self.assertIn("article_pub_idx", plan)

    def test_top_stories_are_read_from_their_own_index(self):
        ArticleFactory(is_top_story=True)
        plan = query_plan(lambda: list(Article.objects.top_stories()[:5]))
        self.assertIn("article_top_idx", plan)


def query_plan(run) -> str:
    """The plan of the one query `run` makes."""
    with CaptureQueriesContext(connection) as queries:
        run()
    [query] = queries.captured_queries
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A handful of rows: PostgreSQL would rightly read them all; asked not to.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + query["sql"])
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
        return " ".join(str(part) for row in cursor.fetchall() for part in row)


class EffectsDueTests(TestCase):
    def test_the_catch_up_reads_only_the_pending_stories_index(self):
        ArticleFactory()
        late = ArticleFactory()
        Article.objects.filter(pk=late.pk).update(effects_pending=True, effects_asked_at=None)
        plan = query_plan(lambda: list(Article.objects.effects_due().values_list("pk", flat=True)))
        self.assert_led_by_the_pending_index(plan)

    def test_the_alarms_count_reads_only_the_pending_stories_index(self):
        ArticleFactory()
        plan = query_plan(Article.objects.effects_late().count)
        self.assert_led_by_the_pending_index(plan)

    def assert_led_by_the_pending_index(self, plan):
        self.assertIn("article_effects_idx", plan)
        if connection.vendor == "sqlite":
            # Not a walk of the publication index, which reads every published story. (PostgreSQL,
            # told not to scan two rows, may join them to any index; with statistics it does not.)
            self.assertNotIn("article_pub_idx", plan)
