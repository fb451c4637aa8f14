"""The moderation queue, admin actions, moderators' emails, and what moderation teaches."""

from datetime import timedelta

from django.contrib.auth.models import Permission, User
from django.core import mail
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from newsdesk.articles.tests.factories import ArticleFactory
from newsdesk.comments.models import Comment, ModerationNotice, SpamToken
from newsdesk.comments.services import comments_moderate, moderation_notice_send

from .factories import CommentFactory

MODERATOR_PERMS = ["view_comment", "change_comment", "moderate_comment"]


def make_moderator(username="mod", email="mod@newsroom.example", perms=MODERATOR_PERMS) -> User:
    user = User.objects.create_user(username, email, "pw", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="comments", codename__in=perms)
    )
    return user


class ModerationQueueTests(TestCase):
    def setUp(self):
        self.moderator = make_moderator()
        self.client.force_login(self.moderator)
        self.url = reverse("admin:comments_comment_queue")
        self.article = ArticleFactory(headline="Harbour plan approved")

    def test_queue_needs_the_moderate_permission(self):
        editor = make_moderator("editor", perms=["view_comment", "change_comment"])
        self.client.force_login(editor)
        self.assertEqual(self.client.get(self.url).status_code, 403)

    def test_queue_shows_pending_oldest_first_with_article_score_and_reasons(self):
        now = timezone.now()
        newer = CommentFactory(
            article=self.article, status="pending", body="Newer one", created_at=now
        )
        older = CommentFactory(
            article=self.article,
            status="pending",
            body="Older one",
            created_at=now - timedelta(hours=1),
            spam_score=0.4,
            spam_reasons=["+0.40 2 link(s)"],
        )
        CommentFactory(article=self.article, status="approved", body="Already approved")
        response = self.client.get(self.url)
        html = response.content.decode()
        self.assertLess(html.index("Older one"), html.index("Newer one"))
        self.assertNotIn("Already approved", html)
        self.assertIn("Harbour plan approved", html)
        self.assertIn("+0.40 2 link(s)", html)
        self.assertIn("0.40", html)
        self.assertIn(f'value="approve:{older.pk}"', html)
        self.assertIn(f'value="spam:{newer.pk}"', html)
        self.assertIn("Pending (2)", html)
        self.assertIn("comments/moderation.js", html)

    def test_filter_by_status_and_article(self):
        other = ArticleFactory()
        CommentFactory(article=self.article, status="spam", body="Spam here")
        CommentFactory(article=other, status="spam", body="Spam there")
        html = self.client.get(
            self.url, {"status": "spam", "article": self.article.news_id}
        ).content.decode()
        self.assertIn("Spam here", html)
        self.assertNotIn("Spam there", html)

    def test_one_by_one_approve_with_a_button(self):
        comment = CommentFactory(article=self.article, status="pending")
        response = self.client.post(self.url + "?status=pending", {"do": f"approve:{comment.pk}"})
        self.assertEqual(response.status_code, 302)
        comment.refresh_from_db()
        self.assertEqual(comment.status, Comment.Status.APPROVED)
        self.assertEqual(comment.moderated_by, self.moderator)

    def test_bulk_spam_and_reject(self):
        a, b, c = (CommentFactory(article=self.article, status="pending") for _ in range(3))
        self.client.post(self.url, {"bulk": "spam", "ids": [a.pk, b.pk]})
        self.client.post(self.url, {"bulk": "reject", "ids": [c.pk]})
        statuses = dict(Comment.objects.values_list("pk", "status"))
        self.assertEqual(statuses, {a.pk: "spam", b.pk: "spam", c.pk: "rejected"})

    def test_bulk_without_selection_says_so(self):
        response = self.client.post(self.url, {"bulk": "approve"}, follow=True)
        self.assertContains(response, "No comment was selected")

    def test_comment_text_in_queue_is_escaped(self):
        CommentFactory(
            article=self.article,
            status="pending",
            name="<img src=x onerror=alert(1)>",
            body="<script>alert(1)</script>",
        )
        html = self.client.get(self.url).content.decode()
        self.assertNotIn("<script>alert(1)", html)
        self.assertNotIn("<img src=x", html)

    def test_admin_home_shows_pending_and_spam_counts(self):
        CommentFactory(article=self.article, status="pending")
        CommentFactory(article=self.article, status="pending")
        CommentFactory(article=self.article, status="spam")
        html = self.client.get(reverse("admin:index")).content.decode()
        self.assertIn("<strong>2</strong> waiting for moderation", html)
        self.assertIn("<strong>1</strong> in the spam folder", html)

    def test_changelist_actions_moderate_in_bulk(self):
        a, b = CommentFactory(status="pending"), CommentFactory(status="pending")
        url = reverse("admin:comments_comment_changelist")
        self.client.post(url, {"action": "approve", "_selected_action": [a.pk, b.pk]})
        self.assertEqual(set(Comment.objects.values_list("status", flat=True)), {"approved"})

    def test_change_form_shows_email_only_with_permission(self):
        comment = CommentFactory(email="writer@example.net")
        url = reverse("admin:comments_comment_change", args=[comment.pk])
        self.assertNotContains(self.client.get(url), "writer@example.net")
        self.client.force_login(
            make_moderator("lead", perms=[*MODERATOR_PERMS, "view_commenter_email"])
        )
        self.assertContains(self.client.get(url), "writer@example.net")

    def test_changelist_finds_comments_by_email(self):
        CommentFactory(email="findme@example.net", body="Found by address")
        CommentFactory(email="other@example.net", body="Someone else")
        response = self.client.get(
            reverse("admin:comments_comment_changelist"), {"q": "FindMe@example.net"}
        )
        self.assertContains(response, "Found by address")
        self.assertNotContains(response, "Someone else")


@override_settings(NEWSDESK_SPAM_MIN_TRAINING=2)
class LearningFromModerationTests(TestCase):
    def test_spam_and_approve_decisions_train_the_filter(self):
        for body in ("cheap casino bonus now", "casino bonus free spins"):
            comments_moderate(
                comments=[CommentFactory(status="pending", body=body)], status="spam", by=None
            )
        for body in ("The harbour plan is sensible", "Good reporting on the council"):
            comments_moderate(
                comments=[CommentFactory(status="pending", body=body)], status="approved", by=None
            )
        docs = SpamToken.objects.get(token=SpamToken.DOCS)
        self.assertEqual((docs.spam, docs.ham), (2, 2))
        self.assertEqual(SpamToken.objects.get(token="casino").spam, 2)

        from newsdesk.comments.spam import spam_score

        spammy = spam_score(name="x", email="x@example.org", body="casino bonus")
        plain = spam_score(name="x", email="x@example.org", body="The council harbour reporting")
        self.assertGreater(spammy.score, plain.score)
        self.assertTrue(any("learnt filter" in r and "casino" in r for r in spammy.reasons))

    def test_changing_a_decision_unlearns_the_first(self):
        comment = CommentFactory(status="pending", body="casino")
        comments_moderate(comments=[comment], status="spam", by=None)
        comments_moderate(
            comments=Comment.objects.filter(pk=comment.pk), status="approved", by=None
        )
        token = SpamToken.objects.get(token="casino")
        self.assertEqual((token.spam, token.ham), (0, 1))

    def test_spam_folder_comments_are_recoverable(self):
        comment = CommentFactory(status="spam")
        comments_moderate(comments=[comment], status="approved", by=None)
        comment.refresh_from_db()
        self.assertEqual(comment.status, Comment.Status.APPROVED)


@override_settings(NEWSDESK_MODERATION_NOTIFY_INTERVAL=900)
class ModeratorEmailTests(TestCase):
    def setUp(self):
        make_moderator()
        User.objects.create_superuser("boss", "boss@newsroom.example", "pw")
        User.objects.create_user("reader", "reader@example.org", "pw")

    def test_notice_lists_new_pending_comments_without_commenter_emails(self):
        CommentFactory(status="pending", name="Ada", email="ada.private@example.org")
        self.assertEqual(moderation_notice_send(), 1)
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(sorted(message.to), ["boss@newsroom.example", "mod@newsroom.example"])
        self.assertIn("Ada", message.body)
        self.assertIn("/admin/comments/comment/queue/", message.body)
        self.assertNotIn("ada.private", message.body)

    def test_at_most_one_notice_per_interval(self):
        now = timezone.now()
        CommentFactory(status="pending", created_at=now)
        moderation_notice_send(now=now)
        CommentFactory(status="pending", created_at=now + timedelta(minutes=1))
        self.assertEqual(moderation_notice_send(now=now + timedelta(minutes=5)), 0)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(moderation_notice_send(now=now + timedelta(minutes=16)), 1)
        self.assertEqual(len(mail.outbox), 2)
        self.assertEqual(ModerationNotice.objects.count(), 2)

    def test_posting_schedules_one_notice_per_interval(self):
        from newsdesk.captcha.challenges import challenge_issue
        from newsdesk.comments.services import Submission, comment_submit

        article = ArticleFactory()
        for n in range(3):
            with self.captureOnCommitCallbacks(execute=True):
                comment_submit(
                    article=article,
                    challenge=challenge_issue(),
                    submission=Submission(name=f"R{n}", email=f"r{n}@example.org", body="Hi"),
                    ip_address="192.0.2.1",
                )
        self.assertEqual(len(mail.outbox), 1)


class ModerationWordingTests(TestCase):
    """Issue 13: buttons say what they do, titles name the story, reasons are in view."""

    def setUp(self):
        self.moderator = make_moderator()
        self.client.force_login(self.moderator)
        self.url = reverse("admin:comments_comment_queue")
        self.article = ArticleFactory(headline="Harbour plan approved")

    def test_queue_buttons_say_what_they_do(self):
        comment = CommentFactory(article=self.article, status="pending", name="Rosa")
        html = self.client.get(self.url).content.decode()
        button = f'value="approve:{comment.pk}"'
        self.assertIn(button, html)
        row = html[html.index(f'id="queue-{comment.pk}"') :]
        row = row[: row.index("</tr>")]
        self.assertIn(">Approve</button>", row)
        self.assertIn(">Reject</button>", row)
        self.assertIn(">Mark as spam</button>", row)
        self.assertNotIn(">Approved<", row)
        self.assertNotIn(">Marked as spam<", row)
        self.assertIn('aria-label="Mark as spam: comment by Rosa on “Harbour plan approved”"', row)
        self.assertIn('aria-keyshortcuts="s"', row)
        # Bulk buttons too.
        self.assertIn('name="bulk" value="spam" class="button">Mark as spam</button>', html)

    def test_after_pressing_the_message_says_what_was_done(self):
        comment = CommentFactory(article=self.article, status="pending")
        response = self.client.post(self.url, {"do": f"spam:{comment.pk}"}, follow=True)
        self.assertContains(response, "Marked 1 comment as spam.")

    def test_spam_folder_offers_approve_and_back_to_the_queue_not_spam(self):
        CommentFactory(article=self.article, status="spam")
        html = self.client.get(self.url, {"status": "spam"}).content.decode()
        self.assertIn(">Approve</button>", html)
        self.assertIn(">Back to the queue</button>", html)
        self.assertNotIn(">Mark as spam</button>", html)

    def test_detection_reasons_are_shown_beside_each_comment_and_name_its_buttons(self):
        comment = CommentFactory(
            article=self.article,
            status="pending",
            spam_score=0.9,
            spam_reasons=["+0.40 2 link(s)", "+0.50 blocked term 'casino'"],
        )
        html = self.client.get(self.url).content.decode()
        self.assertIn("Why it is here", html)
        self.assertIn(f'id="reasons-{comment.pk}"', html)
        self.assertIn("blocked term &#x27;casino&#x27;", html)
        self.assertIn(f'aria-describedby="reasons-{comment.pk}"', html)

    def test_comment_title_names_the_article_not_an_id(self):
        comment = CommentFactory(article=self.article, name="Rosa")
        self.assertEqual(str(comment), "Rosa on “Harbour plan approved”")
        self.assertNotIn(str(self.article.pk), str(comment))
        html = self.client.get(
            reverse("admin:comments_comment_change", args=[comment.pk])
        ).content.decode()
        self.assertIn("Rosa on “Harbour plan approved”", html)

    def test_long_headlines_are_shortened_in_titles(self):
        article = ArticleFactory(headline="A" * 200)
        self.assertLess(len(str(CommentFactory(article=article, name="Rosa"))), 80)


class PreviewShowsNoCommentFormTests(TestCase):
    def test_preview_of_a_draft_has_no_write_link_form_or_reply(self):
        from newsdesk.articles.models import Article

        editor = User.objects.create_superuser("ed", "ed@newsroom.example", "pw")
        self.client.force_login(editor)
        draft = ArticleFactory(status=Article.Status.DRAFT, headline="Not out yet")
        CommentFactory(article=draft, name="Rosa")  # shown, as readers would see it
        html = self.client.get(reverse("site:preview", args=[draft.news_id])).content.decode()
        self.assertIn("Preview:", html)
        self.assertIn("No form is offered on a preview.", html)
        self.assertNotIn("Write a comment", html)
        self.assertNotIn("comment-form-slot", html)
        self.assertNotIn("Reply to Rosa", html)
        self.assertNotIn(reverse("comments:write", args=[draft.news_id]), html)
        self.assertNotIn('name="captcha_token"', html)

    def test_the_published_page_keeps_its_write_link(self):
        article = ArticleFactory()
        html = self.client.get(article.get_absolute_url()).content.decode()
        self.assertIn("Write a comment", html)
        self.assertNotIn("No form is offered on a preview.", html)
