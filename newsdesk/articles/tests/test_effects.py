"""Follow-ups of the side effects: how the apps above articles hear of a change readers see."""

from datetime import timedelta
from unittest import mock

from django.test import TestCase
from django.utils import timezone

from newsdesk.articles import effects
from newsdesk.articles.tasks import article_effects_run
from newsdesk.articles.tests.factories import ArticleFactory


class FollowUpTests(TestCase):
    def setUp(self):
        self.calls = []
        patcher = mock.patch.object(effects, "_follow_ups", [])
        patcher.start()
        self.addCleanup(patcher.stop)

    def follow_up(self, article_id: int) -> None:
        self.calls.append(article_id)

    def test_each_follow_up_runs_once_with_the_article_after_its_effects(self):
        effects.effects_follow_up(self.follow_up)
        effects.effects_follow_up(self.follow_up)
        article = ArticleFactory()
        self.assertEqual(article_effects_run.call(article_id=article.pk), "done")
        self.assertEqual(self.calls, [article.pk])

    def test_no_follow_up_before_readers_may_see_the_change(self):
        effects.effects_follow_up(self.follow_up)
        article = ArticleFactory(published_at=timezone.now() + timedelta(hours=1))
        self.assertEqual(article_effects_run.call(article_id=article.pk), "not yet")
        self.assertEqual(self.calls, [])

    def test_a_follow_up_that_fails_fails_the_effects_task_to_be_retried(self):
        def broken(article_id: int) -> None:
            raise RuntimeError("queue down")

        effects.effects_follow_up(broken)
        with self.assertRaises(RuntimeError):
            article_effects_run.call(article_id=ArticleFactory().pk)
