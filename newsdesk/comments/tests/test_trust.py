"""Trust earned by commenters, pre- and post-moderated articles, bans, suspect terms and repeat
posts: what happens to a new comment and the reasons moderators see for it."""

from datetime import timedelta

from django.test import override_settings
from django.utils import timezone

from newsdesk.comments.models import Ban, BlockedTerm, Comment, CommentSettings
from newsdesk.comments.privacy import email_digest

from .factories import CommentFactory, solved
from .test_posting import PostingTestCase


def decision(comment: Comment) -> str:
    return next(r for r in comment.spam_reasons if r.startswith("→"))


@override_settings(NEWSDESK_COMMENTS_TRUST_MIN_APPROVED=2, NEWSDESK_COMMENTS_MODERATION="pre")
class TrustTests(PostingTestCase):
    def history(self, *statuses, email="ada@example.org"):
        for status in statuses:
            CommentFactory(article=self.article, email=email, status=status)

    def send(self, **fields) -> Comment:
        response = self.post(solved(self.page(), **fields))
        self.assertEqual(response.status_code, 303)
        comment = Comment.objects.latest("id")
        # The thanks says whether the comment is on the page already.
        published = comment.status == Comment.Status.APPROVED
        self.assertEqual(response["Location"].endswith("?sent=published"), published)
        return comment

    def test_a_first_timer_waits_and_is_told_apart(self):
        comment = self.send()
        self.assertEqual(comment.status, Comment.Status.PENDING)
        self.assertIn("new commenter: no approved comment yet", comment.spam_reasons)
        self.assertIn("trusted from 2 approved comments (0 so far)", decision(comment))

    def test_a_commenter_with_approved_history_is_published_at_once(self):
        self.history(Comment.Status.APPROVED, Comment.Status.APPROVED)
        comment = self.send(email="ADA@example.org ", body="Trusted and on the page.")
        self.assertEqual(comment.status, Comment.Status.APPROVED)
        self.assertEqual(
            decision(comment),
            "→ published at once: trusted commenter (2 approved, none rejected or spam)",
        )
        self.assertIn("Trusted and on the page.", self.article_page())  # purged on commit
        thanks = self.client.get(f"{self.write_url}?sent=published")
        self.assertContains(thanks, "Your comment is published on the story")

    def test_trust_is_matched_by_the_digest_never_the_name(self):
        self.history(Comment.Status.APPROVED, Comment.Status.APPROVED, email="rosa@example.org")
        comment = self.send(name="Rosa")  # Rosa's name, another address
        self.assertEqual(comment.status, Comment.Status.PENDING)
        self.assertEqual(comment.email_digest, email_digest("ada@example.org"))

    def test_a_rejection_in_the_history_sends_a_commenter_back_to_the_queue(self):
        self.history(Comment.Status.APPROVED, Comment.Status.APPROVED, Comment.Status.REJECTED)
        comment = self.send()
        self.assertEqual(comment.status, Comment.Status.PENDING)
        self.assertIn(
            "+0.20 history: 1 earlier comment(s) rejected or marked spam", comment.spam_reasons
        )

    def test_a_link_holds_even_a_trusted_commenter(self):
        self.history(Comment.Status.APPROVED, Comment.Status.APPROVED)
        comment = self.send(body="See https://example.org/report for the figures.")
        self.assertEqual(comment.status, Comment.Status.PENDING)
        self.assertEqual(decision(comment), "→ held for a moderator: 1 link(s)")

    def test_an_article_without_trust_holds_everyone(self):
        self.history(Comment.Status.APPROVED, Comment.Status.APPROVED)
        CommentSettings.objects.create(article=self.article, trust=CommentSettings.Trust.OFF)
        comment = self.send()
        self.assertEqual(comment.status, Comment.Status.PENDING)
        self.assertEqual(decision(comment), "→ held for a moderator: pre-moderated article")

    @override_settings(NEWSDESK_COMMENTS_TRUST=False)
    def test_an_article_may_allow_trust_where_the_site_does_not(self):
        self.history(Comment.Status.APPROVED, Comment.Status.APPROVED)
        self.assertEqual(self.send().status, Comment.Status.PENDING)
        CommentSettings.objects.create(article=self.article, trust=CommentSettings.Trust.ON)
        self.assertEqual(self.send(body="Second").status, Comment.Status.APPROVED)


class ModerationModeTests(PostingTestCase):
    def setUp(self):
        super().setUp()
        CommentSettings.objects.create(
            article=self.article, moderation=CommentSettings.Moderation.POST
        )

    def test_a_post_moderated_article_publishes_a_first_timer_at_once(self):
        self.post(solved(self.page(), body="Straight onto the page."))
        comment = Comment.objects.get()
        self.assertEqual(comment.status, Comment.Status.APPROVED)
        self.assertIn("post-moderated article", decision(comment))
        self.assertIn("Straight onto the page.", self.article_page())

    def test_what_the_filter_flags_still_waits_there(self):
        BlockedTerm.objects.create(term="bargain", kind=BlockedTerm.Kind.SUSPECT)
        self.post(solved(self.page(), body="A bargain for the council, this plan."))
        comment = Comment.objects.get()
        self.assertEqual(comment.status, Comment.Status.PENDING)
        self.assertEqual(decision(comment), "→ held for a moderator: suspect term 'bargain'")

    def test_a_banned_term_goes_to_the_spam_folder_whatever_the_rest_says(self):
        BlockedTerm.objects.create(term="casino")
        self.post(solved(self.page(), body="Casino tonight"))
        comment = Comment.objects.get()
        self.assertEqual(comment.status, Comment.Status.SPAM)
        self.assertEqual(decision(comment), "→ spam folder: a blocked term")

    def test_copies_of_one_text_wait_then_go_to_the_spam_folder(self):
        statuses = []
        for n in range(3):
            self.post(
                solved(self.page(), email=f"flood{n}@example.org", body="Make money   FAST now")
            )
            statuses.append(Comment.objects.latest("id").status)
        self.assertEqual(
            statuses, [Comment.Status.APPROVED, Comment.Status.PENDING, Comment.Status.SPAM]
        )
        self.assertIn(
            "+1.00 repeat post: the same text was sent 2 time(s) in the last day",
            Comment.objects.latest("id").spam_reasons,
        )

    def test_the_third_copy_goes_to_the_folder_even_when_its_words_look_good(self):
        # A flood copies a good comment's words as easily as a spammer's: the learnt filter's
        # vouching (here -1.25) does not keep the third copy out of the folder.
        body = "Great report on the harbour, thank you for covering it"
        with override_settings(NEWSDESK_SPAM_MIN_TRAINING=1):
            for n, text in enumerate((body, "Harbour report, thank you", "Casino spins")):
                CommentFactory(article=self.article, body=text + f" {n}", status="approved")
            CommentFactory(article=self.article, body="Casino spins now", status="spam")
            from newsdesk.comments.spam import spam_learn

            for comment in Comment.objects.all():
                spam_learn(comment, "spam" if comment.status == "spam" else "ham")
                comment.save(update_fields=["learned_as"])
            Comment.objects.all().delete()
            statuses = []
            for n in range(3):
                self.post(solved(self.page(), email=f"copy{n}@example.org", body=body))
                statuses.append(Comment.objects.latest("id").status)
        self.assertEqual(statuses[1:], [Comment.Status.PENDING, Comment.Status.SPAM])
        reasons = Comment.objects.latest("id").spam_reasons
        learnt = next(r for r in reasons if "learnt filter" in r)
        self.assertTrue(learnt.startswith("-"), reasons)

    def test_copies_of_a_short_text_that_many_readers_write_only_wait(self):
        statuses = []
        for n in range(3):
            self.post(solved(self.page(), email=f"rip{n}@example.org", body="Rest in peace."))
            statuses.append(Comment.objects.latest("id").status)
        self.assertEqual(statuses[1:], [Comment.Status.PENDING, Comment.Status.PENDING])
        self.assertIn(
            "repeat post: the same text was sent 2 time(s) in the last day (fewer than 4 words)",
            Comment.objects.latest("id").spam_reasons,
        )


class BanTests(PostingTestCase):
    def assertRefused(self, data, **extra):
        response = self.post(data, **extra)
        self.assertContains(response, "are not accepted at the moment", status_code=403)
        self.assertKeepsText(response)
        self.assertFalse(Comment.objects.exists())

    def test_a_banned_email_digest_cannot_comment_and_keeps_its_text(self):
        Ban.objects.create(email_digest=email_digest("ada@example.org"), reason="abuse")
        self.assertRefused(solved(self.page(), email="Ada@Example.org"))

    def test_a_banned_range_covers_every_address_in_it(self):
        Ban.objects.create(network="203.0.113.0/24", reason="flood")
        self.assertRefused(solved(self.page()), REMOTE_ADDR="203.0.113.77")
        self.assertEqual(self.post(solved(self.page()), REMOTE_ADDR="203.0.114.1").status_code, 303)

    def test_an_ipv6_range_too(self):
        ban = Ban.objects.create(network="2001:db8:abcd::1/48", reason="flood")
        self.assertEqual(ban.network, "2001:db8:abcd::/48")
        self.assertRefused(solved(self.page()), REMOTE_ADDR="2001:db8:abcd:12::5")

    def test_an_expired_ban_no_longer_holds(self):
        Ban.objects.create(
            network="127.0.0.1",
            reason="cool-off",
            expires_at=timezone.now() - timedelta(minutes=1),
        )
        self.assertEqual(self.post(solved(self.page())).status_code, 303)


class BanAdminTests(PostingTestCase):
    def setUp(self):
        super().setUp()
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        moderator = get_user_model().objects.create_user("mod", password="pw", is_staff=True)
        moderator.groups.add(Group.objects.get(name="Moderator"))
        self.client.force_login(moderator)

    def test_a_moderator_bans_an_address_which_is_kept_as_its_digest_only(self):
        response = self.client.post(
            "/admin/comments/ban/add/",
            {
                "email": "Troll@Example.org",
                "network": "",
                "reason": "threats",
                "expires_at_0": "",
                "expires_at_1": "",
            },
        )
        self.assertEqual(response.status_code, 302, response.content[:2000])
        ban = Ban.objects.get()
        self.assertEqual(ban.email_digest, email_digest("troll@example.org"))
        self.assertNotIn("example.org", str(Ban.objects.values().get()))
        self.assertEqual(ban.created_by.username, "mod")

    def test_a_range_that_is_no_range_is_refused_with_an_explanation(self):
        response = self.client.post(
            "/admin/comments/ban/add/",
            {
                "email": "",
                "network": "203.0.113.0/33",
                "reason": "x",
                "expires_at_0": "",
                "expires_at_1": "",
            },
        )
        self.assertContains(response, "This is not an address or a range")
        self.assertFalse(Ban.objects.exists())

    def test_banning_from_the_comments_list_uses_the_comments_digests(self):
        comment = CommentFactory(article=self.article, email="loud@example.org")
        response = self.client.post(
            "/admin/comments/comment/",
            {"action": "ban_commenters", "_selected_action": [comment.pk]},
        )
        self.assertEqual(response.status_code, 302)
        ban = Ban.objects.get()
        self.assertEqual(ban.email_digest, email_digest("loud@example.org"))
        self.assertGreater(ban.expires_at, timezone.now() + timedelta(days=29))
