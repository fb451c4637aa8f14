"""The editors' admin: object-level rights, workflow pages, conflicts, revisions, images."""

import io
from datetime import UTC, datetime, timedelta

import time_machine
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image as PILImage

from newsdesk.articles import roles
from newsdesk.articles.models import Article, ArticleEvent, Image, Keyword, Revision
from newsdesk.articles.services import article_save, article_submit
from newsdesk.articles.tests.factories import ArticleFactory
from newsdesk.articles.tests.test_workflow import draft_by, user_in

LONG_BODY = (
    "<p>The harbour council voted on Tuesday to rebuild the northern breakwater before winter "
    "storms. Fishermen on the harbour said the breakwater had cracked in two places, and the "
    "council engineer warned that the northern breakwater could fail in a strong storm.</p>"
    "<p>The harbour council will pay for the breakwater from its reserve fund.</p>"
)


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def workflow_url(article, action):
    return reverse("admin:articles_article_workflow", args=[article.pk, action])


def form_data(article, **overrides):
    data = {
        "headline": article.headline,
        "slug": article.slug,
        "summary": article.summary,
        "body": article.body,
        "source_credits": article.source_credits,
        "language": article.language,
        "expected_version": article.version,
        "section": article.section_id or "",
        "lead_image": article.lead_image_id or "",
        "embargo_until_0": "",
        "embargo_until_1": "",
    }
    data.update(overrides)
    return data


def png_bytes(size=(800, 600), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


class ReporterAdminTests(TestCase):
    def setUp(self):
        self.reporter = user_in(roles.REPORTER)
        self.client.force_login(self.reporter)

    def test_reporter_writes_a_draft_that_is_theirs_with_a_revision_and_a_log_entry(self):
        response = self.client.post(
            reverse("admin:articles_article_add"),
            {
                "headline": "Night ferry returns",
                "slug": "",
                "summary": "",
                "body": "<p>It is back.</p>",
                "source_credits": "",
                "language": "en",
                "section": "",
                "lead_image": "",
                "embargo_until_0": "",
                "embargo_until_1": "",
            },
        )
        self.assertEqual(
            response.status_code,
            302,
            getattr(response, "context", None) and response.context["adminform"].form.errors,
        )
        article = Article.objects.get(headline="Night ferry returns")
        self.assertEqual(article.created_by, self.reporter)
        self.assertEqual(article.status, Article.Status.DRAFT)
        self.assertEqual(article.revisions.count(), 1)
        self.assertTrue(
            article.events.filter(action=ArticleEvent.Action.CREATED, actor=self.reporter)
        )

    def test_reporter_cannot_see_or_change_someone_elses_draft(self):
        theirs = draft_by(user_in(roles.REPORTER, "other"))
        self.assertNotEqual(self.client.get(change_url(theirs)).status_code, 200)
        self.assertNotContains(
            self.client.get(reverse("admin:articles_article_changelist")), theirs.headline
        )

    def test_submitted_draft_is_read_only_for_its_reporter(self):
        mine = draft_by(self.reporter)
        article_submit(article=mine, by=self.reporter)
        page = self.client.get(change_url(mine))
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, 'name="_save"')
        response = self.client.post(change_url(mine), form_data(mine, headline="Sneaky change"))
        self.assertEqual(response.status_code, 403)
        self.assertEqual(Article.objects.get(pk=mine.pk).headline, mine.headline)

    def test_reporter_is_refused_publishing_with_a_clear_message(self):
        mine = draft_by(self.reporter)
        for action in ("publish", "schedule", "unpublish", "return"):
            response = self.client.post(workflow_url(mine, action), {})
            self.assertContains(response, "Only editors can schedule, publish", status_code=403)
        self.assertEqual(Article.objects.get(pk=mine.pk).status, Article.Status.DRAFT)

    def test_reporter_has_no_publish_action_in_the_list(self):
        draft_by(self.reporter)
        page = self.client.get(reverse("admin:articles_article_changelist"))
        self.assertNotContains(page, "publish_now")

    def test_reporter_sees_submit_but_no_publish_button(self):
        page = self.client.get(change_url(draft_by(self.reporter)))
        self.assertContains(page, "Submit for review")
        self.assertNotContains(page, "Publish now")

    def test_reporter_submits_for_review(self):
        mine = draft_by(self.reporter)
        response = self.client.post(workflow_url(mine, "submit"), {"note": "Ready for the desk"})
        self.assertRedirects(response, change_url(mine), fetch_redirect_response=False)
        self.assertEqual(Article.objects.get(pk=mine.pk).status, Article.Status.REVIEW)

    def test_reporter_cannot_read_the_audit_log(self):
        response = self.client.get(
            reverse("admin:articles_article_log", args=[draft_by(self.reporter).pk])
        )
        self.assertEqual(response.status_code, 403)


class EditorAdminTests(TestCase):
    def setUp(self):
        self.editor = user_in(roles.EDITOR)
        self.client.force_login(self.editor)
        self.article = draft_by(user_in(roles.REPORTER), headline="Breakwater to be rebuilt")
        self.article.body = LONG_BODY
        article_save(article=self.article, by=self.editor)

    def test_change_form_has_the_prose_editor_the_counter_and_an_import_map_with_the_csp_nonce(
        self,
    ):
        page = self.client.get(change_url(self.article))
        self.assertContains(page, "data-django-prose-editor-configurable")
        self.assertContains(page, "articles/headline_counter.js")
        self.assertContains(page, 'data-target-length="70"')
        nonce = page.wsgi_request.csp_nonce
        self.assertContains(page, f'<script type="importmap" nonce="{nonce}">')
        self.assertIn(f"'nonce-{nonce}'", page["Content-Security-Policy"])
        self.assertNotContains(page, "cdn.")

    def test_body_is_sanitized_on_save(self):
        data = form_data(self.article, body='<p onclick="x()">Hi <script>alert(1)</script></p>')
        self.assertEqual(self.client.post(change_url(self.article), data).status_code, 302)
        body = Article.objects.get(pk=self.article.pk).body
        self.assertNotIn("script", body)
        self.assertNotIn("onclick", body)

    def test_schedule_in_the_newsroom_time_zone_is_stored_in_utc(self):
        with (
            override_settings(TIME_ZONE="Asia/Tehran"),
            time_machine.travel(datetime(2025, 3, 10, 8, 0, tzinfo=UTC), tick=False),
        ):
            response = self.client.post(
                workflow_url(self.article, "schedule"), {"at_0": "2025-03-10", "at_1": "17:30:00"}
            )
            self.assertEqual(response.status_code, 302)
            self.article.refresh_from_db()
            self.assertEqual(self.article.published_at, datetime(2025, 3, 10, 14, 0, tzinfo=UTC))
            self.assertEqual(self.article.state, "scheduled")
            page = self.client.get(change_url(self.article))
        self.assertContains(page, "Scheduled for 2025-03-10 17:30 (Asia/Tehran)")

    def test_schedule_in_the_past_keeps_the_input_and_says_what_to_do(self):
        response = self.client.post(
            workflow_url(self.article, "schedule"), {"at_0": "2001-01-01", "at_1": "10:00"}
        )
        self.assertContains(response, "This time has passed. Pick a time in the future")
        self.assertContains(response, 'value="2001-01-01"')

    def test_publish_now(self):
        self.client.post(workflow_url(self.article, "publish"), {})
        self.assertTrue(Article.objects.published().filter(pk=self.article.pk).exists())

    def test_second_editor_is_told_of_the_conflict_keeps_their_text_and_can_overwrite(self):
        opened = Article.objects.get(pk=self.article.pk)
        self.client.post(change_url(opened), form_data(opened, headline="First editor wins"))
        response = self.client.post(
            change_url(opened), form_data(opened, headline="Second editor text")
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Someone else saved this article after you opened it")
        self.assertContains(response, 'value="Second editor text"')
        self.assertContains(response, "First editor wins")  # the comparison
        self.assertEqual(Article.objects.get(pk=opened.pk).headline, "First editor wins")
        response = self.client.post(
            change_url(opened), form_data(opened, headline="Second editor text", overwrite="1")
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Article.objects.get(pk=opened.pk).headline, "Second editor text")

    def test_keyword_suggestions_are_accepted_with_one_tick(self):
        page = self.client.get(change_url(self.article))
        suggestions = page.context["adminform"].form.fields["accept_keywords"].choices
        self.assertTrue(suggestions)
        chosen = suggestions[0][0]
        self.assertContains(page, chosen)
        self.client.post(
            change_url(self.article), form_data(self.article, accept_keywords=[chosen])
        )
        self.assertIn(chosen.lower(), [k.name.lower() for k in self.article.keywords.all()])
        self.assertTrue(Keyword.objects.named(chosen).exists())

    def test_revisions_show_a_readable_diff_and_restore_makes_a_new_revision(self):
        self.client.post(change_url(self.article), form_data(self.article, headline="Version one"))
        self.article.refresh_from_db()
        self.client.post(change_url(self.article), form_data(self.article, headline="Version two"))
        first, second = Revision.objects.filter(article=self.article).order_by("number")[:2]
        page = self.client.get(
            reverse("admin:articles_article_revisions", args=[self.article.pk]),
            {"a": first.number, "b": second.number},
        )
        self.assertContains(page, "Headline")
        self.assertContains(page, "Version one")
        self.assertContains(page, "Version two")
        self.client.post(
            reverse("admin:articles_article_restore", args=[self.article.pk, first.number])
        )
        self.article.refresh_from_db()
        self.assertEqual(self.article.headline, "Version one")
        self.assertEqual(self.article.revisions.count(), 3)

    def test_correction_from_the_admin_reaches_the_article_page(self):
        self.client.post(workflow_url(self.article, "publish"), {})
        response = self.client.post(
            reverse("admin:articles_article_correct", args=[self.article.pk]),
            {"kind": "update", "text": "The council has now voted."},
        )
        self.assertEqual(response.status_code, 302)
        self.article.refresh_from_db()
        page = self.client.get(self.article.get_absolute_url())
        self.assertContains(page, "The council has now voted.")
        self.assertContains(page, "Update")

    def test_empty_correction_gets_a_clear_error(self):
        response = self.client.post(
            reverse("admin:articles_article_correct", args=[self.article.pk]),
            {"kind": "correction", "text": ""},
        )
        self.assertContains(response, "Write what was wrong and what is right")

    def test_editor_reads_the_workflow_log(self):
        self.client.post(workflow_url(self.article, "publish"), {})
        page = self.client.get(reverse("admin:articles_article_log", args=[self.article.pk]))
        self.assertContains(page, "Published")
        self.assertContains(page, self.editor.username)

    def test_overdue_side_effects_raise_an_alarm_for_editors(self):
        with time_machine.travel(timezone.now() - timedelta(hours=1), tick=False):
            self.client.post(
                workflow_url(self.article, "publish"), {}
            )  # effects never run (no commit)
        page = self.client.get(reverse("admin:index"))
        self.assertContains(page, "1 published article is visible but its side effects")


class ImageAdminTests(TestCase):
    def setUp(self):
        self.editor = user_in(roles.EDITOR)
        self.client.force_login(self.editor)

    def upload(self, content: bytes, name="photo.png", alt="Storm waves on the breakwater"):
        return self.client.post(
            reverse("admin:articles_image_add"),
            {
                "file": SimpleUploadedFile(name, content),
                "alt": alt,
                "caption": "Waves",
                "credit": "A. Photographer",
            },
        )

    def test_a_picture_gets_renditions_in_modern_formats_with_a_jpeg_fallback(self):
        self.assertEqual(self.upload(png_bytes()).status_code, 302)
        image = Image.objects.get()
        self.assertEqual((image.width, image.height), (800, 600))
        self.assertEqual(set(image.formats), {"avif", "webp", "jpeg"})
        self.assertEqual(sorted({r["width"] for r in image.renditions}), [320, 640, 800])
        names = [r["name"] for r in image.renditions]
        image.save()  # generated once and kept
        from newsdesk.articles.images import renditions_generate

        renditions_generate(image)
        self.assertEqual([r["name"] for r in image.renditions], names)

    def test_lead_image_appears_with_srcset_on_article_and_listing_pages(self):
        self.upload(png_bytes())
        image = Image.objects.get()
        article = ArticleFactory(lead_image=image)
        page = self.client.get(article.get_absolute_url())
        self.assertContains(page, '<source type="image/avif" srcset="')
        self.assertContains(page, '<source type="image/webp" srcset="')
        self.assertContains(page, 'alt="Storm waves on the breakwater"')
        self.assertContains(page, "A. Photographer")
        self.assertContains(self.client.get("/"), 'type="image/webp"')

    def test_a_file_that_is_not_a_picture_gets_a_clear_error_and_keeps_the_typed_text(self):
        response = self.upload(b"GIF89a this is not really a gif", name="fake.gif")
        self.assertContains(response, "This file is not a picture we can read")
        self.assertContains(response, 'value="Storm waves on the breakwater"')
        self.assertFalse(Image.objects.exists())

    @override_settings(NEWSDESK_IMAGE_MAX_PIXELS=100_000)
    def test_too_many_pixels_is_refused(self):
        self.assertContains(
            self.upload(png_bytes((1000, 1000))), "1000 × 1000 pixels; the limit is"
        )
        self.assertFalse(Image.objects.exists())

    @override_settings(NEWSDESK_IMAGE_MAX_BYTES=1000)
    def test_too_large_a_file_is_refused(self):
        self.assertContains(
            self.upload(png_bytes((600, 600), (1, 2, 3)) + b"\0" * 2000), "the limit is"
        )

    def test_alt_text_is_required(self):
        self.assertContains(self.upload(png_bytes(), alt=""), "This field is required")
        self.assertFalse(Image.objects.exists())


class PreviewTests(TestCase):
    def setUp(self):
        self.editor = user_in(roles.EDITOR)
        self.article = draft_by(self.editor, headline="Draft about the lighthouse")

    def test_staff_preview_shows_the_draft_as_readers_will_see_it(self):
        self.client.force_login(self.editor)
        page = self.client.get(reverse("site:preview", args=[self.article.news_id]))
        self.assertContains(page, "<h1>Draft about the lighthouse</h1>", html=True)
        self.assertContains(page, "Preview: Draft")
        self.assertEqual(page["Cache-Control"], "private, no-store")
        self.assertEqual(self.client.get(self.article.get_absolute_url()).status_code, 404)

    def test_anonymous_preview_asks_for_a_login(self):
        response = self.client.get(reverse("site:preview", args=[self.article.news_id]))
        self.assertEqual(response.status_code, 302)
        self.assertIn("/admin/login/", response["Location"])

    def test_reporters_preview_only_their_own(self):
        self.client.force_login(user_in(roles.REPORTER))
        self.assertEqual(
            self.client.get(reverse("site:preview", args=[self.article.news_id])).status_code,
            404,
        )

    def test_share_link_works_without_login_until_it_expires(self):
        self.client.force_login(self.editor)
        with time_machine.travel(datetime(2025, 3, 10, 12, 0, tzinfo=UTC), tick=False):
            page = self.client.post(reverse("admin:articles_article_share", args=[self.article.pk]))
        link = page.context["link"]
        self.client.logout()
        with time_machine.travel(datetime(2025, 3, 12, 12, 0, tzinfo=UTC), tick=False):
            self.assertContains(self.client.get(link), "Draft about the lighthouse")
        with time_machine.travel(datetime(2025, 3, 13, 12, 1, tzinfo=UTC), tick=False):
            self.assertContains(
                self.client.get(link), "This preview link has expired", status_code=410
            )

    def test_tampered_share_link_is_404(self):
        self.client.force_login(self.editor)
        link = self.client.post(
            reverse("admin:articles_article_share", args=[self.article.pk])
        ).context["link"]
        self.client.logout()
        self.assertEqual(self.client.get(link[:-3] + "abc/").status_code, 404)


class RolesAdminTests(TestCase):
    def test_moderator_cannot_open_articles_in_the_admin(self):
        moderator = user_in(roles.MODERATOR)
        self.client.force_login(moderator)
        self.assertEqual(
            self.client.get(reverse("admin:articles_article_changelist")).status_code, 403
        )

    def test_groups_exist_after_migrate(self):
        self.assertEqual(Group.objects.filter(name__in=roles.ROLES).count(), 4)
