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
    def setUp(self):
        ArticleFactory()
        self.late = ArticleFactory()
        Article.objects.filter(pk=self.late.pk).update(
            effects_pending=True, effects_asked_at=timezone.now() - timedelta(hours=1)
        )
        scheduled = ArticleFactory(published_at=timezone.now() + timedelta(hours=1))
        Article.objects.filter(pk=scheduled.pk).update(effects_pending=True)

    def test_the_catch_up_finds_the_visible_stories_whose_effects_did_not_run(self):
        due = lambda: list(Article.objects.effects_due().values_list("pk", flat=True))  # noqa: E731
        self.assertEqual(due(), [self.late.pk])
        self.assert_led_by_the_pending_index(query_plan(due))

    def test_the_alarm_counts_them_once_the_grace_is_over(self):
        self.assertEqual(Article.objects.effects_late().count(), 1)
        self.assert_led_by_the_pending_index(query_plan(Article.objects.effects_late().count))

    def assert_led_by_the_pending_index(self, plan):
        # SQLite, without statistics, walked the publication index, which reads every published
        # story. PostgreSQL plans by its statistics: on a table of three rows, told not to scan
        # it, any index will do, so its plan says nothing here.
        if connection.vendor == "sqlite":
            self.assertIn("article_effects_idx", plan)
            self.assertNotIn("article_pub_idx", plan)
