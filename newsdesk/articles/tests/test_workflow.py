"""The newsroom workflow: roles, transitions, audit log, scheduling, embargo, corrections."""

from datetime import UTC, datetime, timedelta

import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.test import TestCase

from newsdesk.articles import roles
from newsdesk.articles.models import Article, ArticleEvent, Revision
from newsdesk.articles.services import (
    ArticleConflict,
    WorkflowError,
    article_correct,
    article_publish,
    article_return,
    article_save,
    article_schedule,
    article_submit,
    article_unpublish,
    revision_create,
    revision_restore,
)
from newsdesk.articles.tasks import article_effects_catch_up, article_effects_run
from newsdesk.articles.tests.factories import ArticleFactory, KeywordFactory, SectionFactory

NOON = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
TWO_PM = datetime(2025, 3, 10, 14, 0, tzinfo=UTC)


def user_in(role: str, username: str | None = None):
    user = get_user_model().objects.create_user(
        username or role.lower(), password="pw", is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def draft_by(user, **fields) -> Article:
    return article_save(
        article=Article(
            headline=fields.pop("headline", "Ferry timetable changes"),
            body="<p>The ferry will leave earlier.</p>",
            **fields,
        ),
        by=user,
    )


class RoleBoundaryTests(TestCase):
    def test_migration_creates_the_four_roles(self):
        self.assertEqual(
            set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLES), True
        )

    def test_reporter_may_write_and_submit_but_not_publish_or_delete(self):
        reporter = user_in(roles.REPORTER)
        self.assertTrue(reporter.has_perms(["articles.add_article", "articles.submit_article"]))
        self.assertFalse(reporter.has_perm("articles.publish_article"))
        self.assertFalse(reporter.has_perm("articles.delete_article"))
        self.assertFalse(reporter.has_perm("comments.change_comment"))
        self.assertFalse(reporter.has_perm("articles.add_correction"))

    def test_editor_may_publish_and_read_the_audit_log_but_not_moderate_or_manage_users(self):
        editor = user_in(roles.EDITOR)
        self.assertTrue(
            editor.has_perms(
                ["articles.publish_article", "articles.view_articleevent", "core.view_taskfailure"]
            )
        )
        self.assertFalse(editor.has_perm("comments.change_comment"))
        self.assertFalse(editor.has_perm("auth.change_user"))

    def test_moderator_has_comments_only(self):
        moderator = user_in(roles.MODERATOR)
        self.assertTrue(
            moderator.has_perms(
                ["comments.view_comment", "comments.change_comment", "comments.moderate_comment"]
            )
        )
        self.assertFalse(moderator.has_perm("articles.view_article"))
        self.assertFalse(moderator.has_perm("articles.publish_article"))

    def test_administrator_has_everything(self):
        admin = user_in(roles.ADMINISTRATOR)
        self.assertTrue(
            admin.has_perms(
                ["auth.change_user", "articles.publish_article", "comments.moderate_comment"]
            )
        )

    def test_reporters_edit_only_their_own_drafts(self):
        alice, bob = user_in(roles.REPORTER, "alice"), user_in(roles.REPORTER, "bob")
        mine, theirs = draft_by(alice), draft_by(bob)
        editable = Article.objects.editable_by(alice)
        self.assertIn(mine, editable)
        self.assertNotIn(theirs, editable)
        article_submit(article=mine, by=alice)
        self.assertNotIn(mine, Article.objects.editable_by(alice))

    def test_editors_edit_any_article(self):
        editor = user_in(roles.EDITOR)
        reporter_draft = draft_by(user_in(roles.REPORTER))
        self.assertIn(reporter_draft, Article.objects.editable_by(editor))


class TransitionTests(TestCase):
    def setUp(self):
        self.reporter = user_in(roles.REPORTER)
        self.editor = user_in(roles.EDITOR)

    def test_draft_review_schedule_publish_unpublish_is_recorded_with_who_and_when(self):
        with time_machine.travel(NOON, tick=False):
            article = draft_by(self.reporter)
            article_submit(article=article, by=self.reporter, note="Ready")
            article_schedule(article=article, by=self.editor, at=TWO_PM)
            self.assertEqual(article.state, "scheduled")
        with time_machine.travel(TWO_PM + timedelta(hours=1), tick=False):
            article_unpublish(article=article, by=self.editor, note="Legal asked")
        events = list(
            article.events.order_by("at", "id").values_list(
                "action", "actor__username", "from_status", "to_status"
            )
        )
        self.assertEqual(
            events,
            [
                ("created", "reporter", "", "draft"),
                ("submitted", "reporter", "draft", "review"),
                ("scheduled", "editor", "review", "published"),
                ("unpublished", "editor", "published", "unpublished"),
            ],
        )
        self.assertEqual(article.events.get(action="scheduled").at, NOON)

    def test_reporter_is_refused_publishing(self):
        article = draft_by(self.reporter)
        with self.assertRaisesMessage(PermissionDenied, "Only editors can publish"):
            article_publish(article=article, by=self.reporter)
        article.refresh_from_db()
        self.assertEqual(article.status, Article.Status.DRAFT)
        self.assertFalse(article.events.filter(action="published").exists())

    def test_reporter_cannot_submit_someone_elses_draft(self):
        other = user_in(roles.REPORTER, "other")
        with self.assertRaises(PermissionDenied):
            article_submit(article=draft_by(other), by=self.reporter)

    def test_only_a_draft_can_be_submitted(self):
        article = draft_by(self.reporter)
        article_submit(article=article, by=self.reporter)
        with self.assertRaisesMessage(WorkflowError, "Only a draft can be submitted"):
            article_submit(article=article, by=self.reporter)

    def test_editor_returns_an_article_to_draft(self):
        article = draft_by(self.reporter)
        article_submit(article=article, by=self.reporter)
        article_return(article=article, by=self.editor, note="Needs a second source")
        self.assertEqual(article.status, Article.Status.DRAFT)
        self.assertIn(article, Article.objects.editable_by(self.reporter))

    def test_schedule_in_the_past_is_refused_with_a_clear_error(self):
        article = draft_by(self.reporter)
        with (
            time_machine.travel(TWO_PM, tick=False),
            self.assertRaisesMessage(WorkflowError, "future"),
        ):
            article_schedule(article=article, by=self.editor, at=NOON)


class ScheduledPublishingTests(TestCase):
    def setUp(self):
        self.editor = user_in(roles.EDITOR)

    def test_scheduled_article_is_visible_at_its_second_without_any_worker(self):
        with time_machine.travel(NOON, tick=False):
            article = draft_by(self.editor)
            article_schedule(article=article, by=self.editor, at=TWO_PM)
        with time_machine.travel(TWO_PM - timedelta(seconds=1), tick=False):
            self.assertFalse(Article.objects.published().filter(pk=article.pk).exists())
            self.assertEqual(self.client.get(f"/news/{article.news_id}/").status_code, 404)
        with time_machine.travel(TWO_PM, tick=False):
            self.assertTrue(Article.objects.published().filter(pk=article.pk).exists())
            self.assertEqual(self.client.get(f"/news/{article.news_id}/").status_code, 301)

    def test_side_effects_are_enqueued_for_the_scheduled_time(self):
        from newsdesk.core.tasks import HUEY

        HUEY.flush()
        with time_machine.travel(NOON, tick=False), self.captureOnCommitCallbacks(execute=True):
            article = draft_by(self.editor)
            article_schedule(article=article, by=self.editor, at=TWO_PM)
        [scheduled] = HUEY.scheduled()
        self.assertEqual(scheduled.eta.replace(tzinfo=UTC), TWO_PM)
        self.assertEqual(scheduled.args[2], {"article_id": article.pk})
        HUEY.flush()

    def test_missed_side_effects_are_caught_up_and_recorded_once(self):
        with time_machine.travel(NOON, tick=False):
            article = draft_by(self.editor)
            article_schedule(
                article=article, by=self.editor, at=TWO_PM
            )  # on_commit never ran: lost
        with time_machine.travel(TWO_PM + timedelta(minutes=10), tick=False):
            self.assertIn(article, Article.objects.effects_due(grace=timedelta(minutes=5)))
            self.assertEqual(article_effects_catch_up.call(), 1)
            self.assertEqual(article_effects_catch_up.call(), 0)
        article.refresh_from_db()
        self.assertFalse(article.effects_pending)
        self.assertEqual(article.events.filter(action=ArticleEvent.Action.LIVE).count(), 1)

    def test_effects_task_does_nothing_before_the_time(self):
        with time_machine.travel(NOON, tick=False):
            article = draft_by(self.editor)
            article_schedule(article=article, by=self.editor, at=TWO_PM)
            self.assertEqual(article_effects_run.call(article_id=article.pk), "not yet")
        self.assertTrue(Article.objects.get(pk=article.pk).effects_pending)

    def test_publishing_purges_the_story_and_the_heads_of_its_lists(self):
        from newsdesk.articles import keys
        from newsdesk.core import pagecache

        mark = pagecache.marks().mark()
        article = draft_by(self.editor, section=SectionFactory())
        with self.captureOnCommitCallbacks(execute=True):
            article_publish(article=article, by=self.editor)
        marks = pagecache.marks()
        for key in (
            keys.article_key(article.news_id),
            keys.HOME,
            keys.list_key("section", article.section_id),
        ):
            self.assertTrue(marks.purged_since([key], mark), key)
        self.assertFalse(marks.purged_since([keys.list_key("section", 0)], mark))


class EmbargoTests(TestCase):
    def setUp(self):
        self.editor = user_in(roles.EDITOR)

    def test_embargoed_article_is_invisible_everywhere_until_lift_then_appears_by_itself(self):
        article = ArticleFactory(published_at=NOON - timedelta(hours=2), embargo_until=TWO_PM)
        with time_machine.travel(NOON, tick=False):
            self.assertFalse(Article.objects.published().filter(pk=article.pk).exists())
            self.assertFalse(Article.objects.for_listing().filter(pk=article.pk).exists())
            self.assertEqual(self.client.get(article.get_absolute_url()).status_code, 404)
            self.assertNotContains(self.client.get("/"), article.headline)
            self.assertEqual(article.state, "scheduled")
        with time_machine.travel(TWO_PM, tick=False):
            self.assertEqual(self.client.get(article.get_absolute_url()).status_code, 200)
            self.assertContains(self.client.get("/"), article.headline)

    def test_publishing_now_under_embargo_waits_for_the_lift(self):
        with time_machine.travel(NOON, tick=False):
            article = draft_by(self.editor, embargo_until=TWO_PM)
            article_publish(article=article, by=self.editor)
            self.assertEqual(article.published_at, TWO_PM)
            self.assertFalse(article.is_published)
            self.assertEqual(article.state_label, "Embargoed")


class CorrectionTests(TestCase):
    def test_correction_is_shown_with_its_time_and_changes_the_modified_time(self):
        editor = user_in(roles.EDITOR)
        with time_machine.travel(NOON, tick=False):
            article = ArticleFactory(published_at=NOON - timedelta(hours=1))
        with time_machine.travel(TWO_PM, tick=False):
            article_correct(
                article=article, by=editor, text="An earlier version misnamed the ferry."
            )
        article.refresh_from_db()
        self.assertEqual(article.updated_at, TWO_PM)
        page = self.client.get(article.get_absolute_url())
        self.assertContains(page, "An earlier version misnamed the ferry.")
        self.assertContains(
            page, '<time datetime="2025-03-10T14:00:00Z">1400 GMT March 10, 2025</time>', html=True
        )

    def test_reporters_cannot_add_corrections(self):
        with self.assertRaises(PermissionDenied):
            article_correct(article=ArticleFactory(), by=user_in(roles.REPORTER), text="x")

    def test_empty_correction_is_refused(self):
        with self.assertRaisesMessage(WorkflowError, "Write the text"):
            article_correct(article=ArticleFactory(), by=user_in(roles.EDITOR), text="  ")


class ConcurrencyTests(TestCase):
    def test_second_save_from_the_same_version_is_refused(self):
        editor = user_in(roles.EDITOR)
        article = draft_by(editor)
        first, second = Article.objects.get(pk=article.pk), Article.objects.get(pk=article.pk)
        first.headline = "First editor's headline"
        article_save(article=first, by=editor, expected_version=1)
        second.headline = "Second editor's headline"
        with self.assertRaises(ArticleConflict) as caught:
            article_save(article=second, by=editor, expected_version=1)
        self.assertEqual(caught.exception.current.headline, "First editor's headline")
        self.assertEqual(Article.objects.get(pk=article.pk).headline, "First editor's headline")


class RevisionTests(TestCase):
    def test_restore_brings_back_content_and_is_itself_a_revision(self):
        editor = user_in(roles.EDITOR)
        article = draft_by(editor, headline="Original headline", section=SectionFactory())
        article.keywords.set([KeywordFactory(name="ferries")])
        first = revision_create(article=article, by=editor)
        article.headline = "Changed headline"
        article_save(article=article, by=editor)
        article.keywords.set([])
        revision_create(article=article, by=editor)
        restored = revision_restore(revision=first, by=editor)
        article.refresh_from_db()
        self.assertEqual(article.headline, "Original headline")
        self.assertEqual(list(article.keywords.values_list("name", flat=True)), ["ferries"])
        self.assertEqual(restored.number, 3)
        self.assertEqual(Revision.objects.filter(article=article).count(), 3)
        self.assertTrue(article.events.filter(action="restored").exists())
