"""The "side effects late" alarm: its grace, its link, and the "went live" entry of the log."""

from datetime import timedelta

import time_machine
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from newsdesk.articles import roles
from newsdesk.articles.models import Article, ArticleEvent
from newsdesk.articles.services import (
    article_correct,
    article_publish,
    article_save,
    article_unpublish,
)
from newsdesk.articles.tests.test_workflow import draft_by, user_in

ALARM = "side effects (cache purge, notifications) have not run"


class LateEffectsAlarmTests(TestCase):
    def setUp(self):
        self.editor = user_in(roles.EDITOR)
        self.client.force_login(self.editor)
        self.start = timezone.now()
        with time_machine.travel(self.start - timedelta(hours=2), tick=False):
            self.article = draft_by(self.editor, headline="Ferry back on its old timetable")
            with self.captureOnCommitCallbacks(execute=True):  # its effects ran, back then
                article_publish(article=self.article, by=self.editor)
        self.assertFalse(Article.objects.get(pk=self.article.pk).effects_pending)

    def edit_now(self):
        # Saved; its effects task waits for the task runner (on_commit does not run here).
        with time_machine.travel(self.start, tick=False):
            article_save(article=Article.objects.get(pk=self.article.pk), by=self.editor)

    def late_list(self):
        response = self.client.get(reverse("admin:articles_article_changelist"), {"state": "late"})
        self.assertEqual(response.status_code, 200)  # a filter the list knows, not "?e=1"
        return list(response.context["cl"].result_list)

    def test_saving_a_story_that_went_live_long_ago_raises_no_alarm(self):
        self.edit_now()
        with time_machine.travel(self.start + timedelta(seconds=30), tick=False):
            self.assertNotContains(self.client.get(reverse("admin:index")), ALARM)
            self.assertEqual(self.late_list(), [])

    def test_the_alarm_comes_after_its_grace_and_links_to_the_late_stories(self):
        self.edit_now()
        with time_machine.travel(self.start + timedelta(minutes=6), tick=False):
            page = self.client.get(reverse("admin:index"))
            self.assertContains(page, ALARM)
            link = reverse("admin:articles_article_changelist") + "?state=late"
            self.assertContains(page, f'href="{link}"')
            response = self.client.get(link)
            self.assertEqual(response.status_code, 200)
            self.assertEqual(list(response.context["cl"].result_list), [self.article])

    @override_settings(NEWSDESK_TASK_ALARM_MINUTES=30)
    def test_the_grace_is_the_alarm_setting_in_the_alarm_and_in_the_filter(self):
        self.edit_now()
        with time_machine.travel(self.start + timedelta(minutes=10), tick=False):
            self.assertNotContains(self.client.get(reverse("admin:index")), ALARM)
            self.assertEqual(self.late_list(), [])
        with time_machine.travel(self.start + timedelta(minutes=31), tick=False):
            self.assertContains(self.client.get(reverse("admin:index")), ALARM)
            self.assertEqual(self.late_list(), [self.article])


class WentLiveTests(TestCase):
    def setUp(self):
        self.editor = user_in(roles.EDITOR)
        self.article = draft_by(self.editor)

    def live_events(self) -> int:
        return self.article.events.filter(action=ArticleEvent.Action.LIVE).count()

    def test_went_live_is_logged_once_however_often_it_is_edited_or_corrected(self):
        with self.captureOnCommitCallbacks(execute=True):
            article_publish(article=self.article, by=self.editor)
        self.assertEqual(self.live_events(), 1)
        for headline in ("Ferry timetable changes again", "Ferry timetable: final"):
            self.article.headline = headline
            with self.captureOnCommitCallbacks(execute=True):
                article_save(article=self.article, by=self.editor)
        with self.captureOnCommitCallbacks(execute=True):
            article_correct(article=self.article, by=self.editor, text="The ferry is at 7.")
        self.assertFalse(Article.objects.get(pk=self.article.pk).effects_pending)  # they ran
        self.assertEqual(self.live_events(), 1)

    def test_published_again_after_an_unpublish_it_goes_live_again(self):
        with self.captureOnCommitCallbacks(execute=True):
            article_publish(article=self.article, by=self.editor)
        with self.captureOnCommitCallbacks(execute=True):
            article_unpublish(article=self.article, by=self.editor)
        with self.captureOnCommitCallbacks(execute=True):
            article_publish(article=self.article, by=self.editor)
        self.assertEqual(self.live_events(), 2)
