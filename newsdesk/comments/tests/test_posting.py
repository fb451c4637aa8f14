"""Posting a comment through the real request stack: the form, the captcha, every refusal.

The form comes from the fragment the article page's script fetches (comments:form); every
refusal shows the write page (comments:write) with the reader's text kept."""

import re
from datetime import timedelta

import time_machine
from django.test import Client, TestCase, override_settings
from django.utils import timezone

from newsdesk.articles.tests.factories import ArticleFactory
from newsdesk.comments.models import Comment, CommentSettings
from newsdesk.comments.privacy import email_digest

from .factories import CommentFactory, form_fields, solved


@override_settings(NEWSDESK_COMMENTS_MIN_SECONDS=0)
class PostingTestCase(TestCase):
    def setUp(self):
        self.article = ArticleFactory()
        self.url = self.article.get_absolute_url()
        news_id = self.article.news_id
        self.form_url = f"/comments/{news_id}/form/"
        self.write_url = f"/comments/{news_id}/write/"
        self.post_url = f"/comments/{news_id}/"
        self.thanks_url = f"{self.write_url}?sent=1"

    def page(self, client=None, **params) -> str:
        """The form, as the article page's script fetches it."""
        response = (client or self.client).get(self.form_url, params)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def article_page(self) -> str:
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def post(self, data, **extra):
        return self.client.post(self.post_url, data, **extra)

    def assertKeepsText(self, response, body="A thoughtful comment.", name="Ada Reader"):
        html = response.content.decode()
        self.assertIn(body, html)
        self.assertIn(f'value="{name}"', html)
        return html


class CommentFormTests(PostingTestCase):
    def test_form_shows_name_email_comment_and_security_key(self):
        html = self.page()
        for label in ("Name", "Email", "Comment", "Security Key"):
            self.assertRegex(html, rf"<label[^>]*>{label}:?</label>")
        self.assertIn('class="captcha-image" src="/captcha/image/', html)
        self.assertIn("Captcha refresh", html)
        self.assertIn("Listen to the Security Key (audio)", html)

    def test_security_key_label_points_at_the_answer_box(self):
        html = self.page()
        self.assertIn('<label for="id_captcha_1">Security Key:</label>', html)
        self.assertRegex(html, r'<input type="text" name="captcha_answer"[^>]* id="id_captcha_1">')

    def test_every_form_gets_a_new_challenge(self):
        self.assertNotEqual(
            form_fields(self.page())["captcha_token"], form_fields(self.page())["captcha_token"]
        )

    def test_showing_the_form_writes_nothing(self):
        # The article's row with its comment settings, and the two posting-rate counters the
        # proof of work's difficulty follows (a read); no challenge is stored anywhere.
        with self.assertNumQueries(2):
            self.page()

    def test_honeypot_is_hidden_from_people(self):
        self.assertRegex(self.page(), r'<div class="hp" hidden>\s*<label for="id_website">')


class AcceptedCommentTests(PostingTestCase):
    def test_solved_comment_is_stored_pending_and_reader_is_thanked(self):
        response = self.post(solved(self.page()))
        self.assertRedirects(
            response, self.thanks_url, status_code=303, fetch_redirect_response=False
        )
        comment = Comment.objects.get()
        self.assertEqual(comment.status, Comment.Status.PENDING)
        self.assertEqual((comment.name, comment.body), ("Ada Reader", "A thoughtful comment."))
        self.assertEqual(comment.ip_address, "127.0.0.1")
        thanks = self.client.get(self.thanks_url)
        self.assertContains(
            thanks, "Thank you. Your comment will appear once a moderator has approved it."
        )
        self.assertContains(thanks, f'<a href="{self.url}#comments">Back to the story</a>')
        self.assertNotIn("A thoughtful comment.", self.article_page())  # pending: not shown
        self.assertNotIn("Thank you", self.article_page())

    def test_email_is_stored_as_digest_and_ciphertext_only(self):
        self.post(solved(self.page(), email="Ada@Example.org"))
        comment = Comment.objects.get()
        self.assertEqual(comment.email_digest, email_digest("ada@example.org"))
        self.assertNotIn("example.org", comment.email_encrypted)
        self.assertEqual(comment.email, "Ada@Example.org")

    def test_posting_costs_one_write_transaction(self):
        data = solved(self.page())
        # article (the posting fields, with its comment settings); bans; block list (cached for
        # a minute after this); spam tokens; the commenter's history and the text's copies;
        # then one transaction (a savepoint inside the test's): every rate counter in one
        # statement, used challenge, comment, the interval's notification claim.
        with self.assertNumQueries(11):
            self.post(data)

    def test_posting_with_proof_of_work_costs_one_read_more_and_the_same_transaction(self):
        data = solved(self.page(), pow=True)
        # As above, and the flood counters read to check the work's difficulty; in the
        # transaction the proof of work's challenge is marked used (one statement).
        with self.assertNumQueries(13):
            self.post(data)
        self.assertEqual(Comment.objects.count(), 1)

    def test_email_addresses_in_text_get_the_same_rel(self):
        CommentFactory(article=self.article, body="Write to desk@example.org")
        self.assertIn(
            '<a href="mailto:desk@example.org" rel="nofollow ugc noopener">', self.article_page()
        )

    def test_approved_comment_appears_escaped_with_safe_links(self):
        CommentFactory(
            article=self.article,
            name="<b>Bold</b>",
            body="See https://example.org/x?a=1&b=2 <script>alert(1)</script>",
        )
        html = self.article_page()
        self.assertIn("&lt;b&gt;Bold&lt;/b&gt;", html)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", html)
        self.assertIn(
            '<a href="https://example.org/x?a=1&amp;b=2" rel="nofollow ugc noopener">', html
        )
        self.assertIn('Comments <span class="count">(1)</span>', html)

    def test_commenter_email_never_on_the_page(self):
        CommentFactory(article=self.article, email="secret.reader@example.net")
        self.assertNotIn("secret.reader", self.article_page())


class RefusedCommentTests(PostingTestCase):
    def test_wrong_security_key_keeps_text_and_shows_a_new_one(self):
        page = self.page()
        response = self.post(solved(page, captcha_answer="ZZZZZZ"))
        self.assertEqual(response.status_code, 400)
        html = self.assertKeepsText(response)
        self.assertIn("do not match the Security Key", html)
        self.assertNotEqual(form_fields(html)["captcha_token"], form_fields(page)["captcha_token"])
        self.assertFalse(Comment.objects.exists())

    def test_used_security_key_is_refused_with_a_fresh_one(self):
        data = solved(self.page())
        self.assertEqual(self.post(data).status_code, 303)
        response = self.post({**data, "body": "Second try"})
        self.assertEqual(response.status_code, 400)
        html = self.assertKeepsText(response, body="Second try")
        self.assertIn("already used", html)
        self.assertEqual(Comment.objects.count(), 1)

    @override_settings(NEWSDESK_CAPTCHA_TTL=600)
    def test_expired_security_key_is_refused_with_a_fresh_one(self):
        with time_machine.travel(timezone.now(), tick=False) as clock:
            data = solved(self.page())
            clock.shift(timedelta(seconds=601))
            response = self.post(data)
        self.assertEqual(response.status_code, 400)
        self.assertIn("Security Key expired", self.assertKeepsText(response))

    def test_missing_security_key_is_refused(self):
        data = solved(self.page())
        for missing in ({"captcha_answer": ""}, {"captcha_token": ""}):
            with self.subTest(missing=missing):
                response = self.post({**data, **missing})
                self.assertEqual(response.status_code, 400)
                self.assertKeepsText(response)

    def test_honeypot_filled_is_refused(self):
        response = self.post(solved(self.page(), website="http://spam.example"))
        self.assertEqual(response.status_code, 400)
        self.assertIn("Leave this field empty", self.assertKeepsText(response))
        self.assertFalse(Comment.objects.exists())

    @override_settings(NEWSDESK_COMMENTS_MIN_SECONDS=5)
    def test_too_fast_is_refused_and_can_be_resent_after_a_moment(self):
        with time_machine.travel(timezone.now(), tick=False) as clock:
            page = self.page()
            response = self.post(solved(page))
            self.assertEqual(response.status_code, 400)
            html = self.assertKeepsText(response)
            self.assertIn("faster than a person", html)
            clock.shift(timedelta(seconds=6))
            self.assertEqual(self.post(solved(html)).status_code, 303)

    def test_form_start_is_never_in_the_future(self):
        # A start rounded up would make a form sent at once "too fast" even with no minimum.
        with time_machine.travel(1_800_000_000.96, tick=False):
            self.assertEqual(self.post(solved(self.page())).status_code, 303)

    @override_settings(NEWSDESK_COMMENTS_FORM_MAX_AGE=3600)
    def test_too_old_form_is_renewed_keeping_text(self):
        with time_machine.travel(timezone.now(), tick=False) as clock:
            data = solved(self.page())
            clock.shift(timedelta(hours=2))
            response = self.post(data)
            self.assertEqual(response.status_code, 400)
            html = self.assertKeepsText(response)
            self.assertIn("opened too long ago", html)
            self.assertEqual(self.post(solved(html)).status_code, 303)

    def test_forged_timestamp_is_refused(self):
        response = self.post(solved(self.page(), started="1700000000"))
        self.assertEqual(response.status_code, 400)

    @override_settings(NEWSDESK_COMMENTS_MAX_LINKS=2)
    def test_too_many_links_is_refused(self):
        body = "a http://a.example b http://b.example c www.c.example"
        response = self.post(solved(self.page(), body=body))
        self.assertEqual(response.status_code, 400)
        self.assertIn("3 links; at most 2", self.assertKeepsText(response, body=body))

    def test_bad_fields_get_clear_400s_never_500(self):
        cases = {
            "invalid email": {"email": "not-an-address"},
            "name too long": {"name": "N" * 81},
            "body too long": {"body": "x" * 5001},
            "empty body": {"body": "   "},
            "control character in body": {"body": "hello\x07world"},
            "NUL in name": {"name": "Ada\x00"},
            "line break in name": {"name": "Ada\nReader"},
            "direction override in name": {"name": "Ada\u202eredaeR"},
        }
        for label, change in cases.items():
            with self.subTest(label):
                response = self.post(solved(self.page(), **change))
                self.assertEqual(response.status_code, 400)
                self.assertContains(response, 'class="error"', status_code=400)
        self.assertFalse(Comment.objects.exists())

    def test_huge_request_is_a_400_not_a_500(self):
        data = solved(self.page(), body="x" * 3_000_000)
        response = self.post(data)
        self.assertEqual(response.status_code, 400)

    def test_wrong_content_type_is_415(self):
        response = self.client.post(
            self.post_url, data='{"name": "x"}', content_type="application/json"
        )
        self.assertEqual(response.status_code, 415)
        self.assertContains(response, "use its form", status_code=415)

    def test_get_is_405(self):
        self.assertEqual(self.client.get(self.post_url).status_code, 405)

    def test_unknown_or_draft_article_is_404(self):
        draft = ArticleFactory(draft=True)
        data = solved(self.page())
        self.assertEqual(self.client.post(f"/comments/{draft.news_id}/", data).status_code, 404)
        self.assertEqual(self.client.post("/comments/999999999/", data).status_code, 404)

    def test_scheduled_or_embargoed_article_is_404_and_stores_nothing(self):
        later = timezone.now() + timedelta(hours=1)
        scheduled = ArticleFactory(published_at=later)
        embargoed = ArticleFactory(embargo_until=later)
        for article in (scheduled, embargoed):
            data = solved(self.page())
            response = self.client.post(f"/comments/{article.news_id}/", data)
            self.assertEqual(response.status_code, 404)
        self.assertFalse(Comment.objects.exists())


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


class CsrfTests(PostingTestCase):
    """The article page carries no token; the form's fragment and the write page do, with
    the cookie that goes with it, and every post is checked."""

    def test_missing_or_wrong_csrf_token_is_403_keeping_text_with_a_working_token(self):
        client = Client(enforce_csrf_checks=True)
        page = self.page(client)
        self.assertIn("csrftoken", client.cookies)
        for csrf in (None, "", "x" * 64):  # none sent, empty, wrong
            with self.subTest(csrf=csrf):
                data = solved(page)
                if csrf is not None:
                    data["csrfmiddlewaretoken"] = csrf
                response = client.post(self.post_url, data)
                self.assertEqual(response.status_code, 403)
                html = self.assertKeepsText(response)
                self.assertIn("security check failed", html)
                self.assertIn('<meta name="robots" content="noindex, nofollow">', html)
                self.assertIn("no-store", response["Cache-Control"])
        self.assertFalse(Comment.objects.exists())
        # The page of the refusal carries a token that works (the text is sent again).
        response = client.post(self.post_url, solved(html, csrfmiddlewaretoken=csrf_token(html)))
        self.assertEqual(response.status_code, 303)
        self.assertEqual(Comment.objects.count(), 1)

    def test_the_token_from_the_fragment_is_accepted(self):
        client = Client(enforce_csrf_checks=True)
        page = self.page(client)
        response = client.post(self.post_url, solved(page, csrfmiddlewaretoken=csrf_token(page)))
        self.assertRedirects(
            response, self.thanks_url, status_code=303, fetch_redirect_response=False
        )

    def test_the_token_from_the_write_page_is_accepted(self):
        client = Client(enforce_csrf_checks=True)
        page = client.get(self.write_url).content.decode()
        response = client.post(self.post_url, solved(page, csrfmiddlewaretoken=csrf_token(page)))
        self.assertEqual(response.status_code, 303)

    def test_a_token_without_its_cookie_is_refused(self):
        page = self.page(Client())
        client = Client(enforce_csrf_checks=True)  # another browser: no cookie
        response = client.post(self.post_url, solved(page, csrfmiddlewaretoken=csrf_token(page)))
        self.assertEqual(response.status_code, 403)
        self.assertKeepsText(response)
        self.assertFalse(Comment.objects.exists())

    def test_every_post_path_is_checked(self):
        page = self.page(Client(enforce_csrf_checks=True))
        for url in (self.post_url, f"/comments/post/{self.article.news_id}/"):
            with self.subTest(url=url):
                response = Client(enforce_csrf_checks=True).post(url, solved(page))
                self.assertEqual(response.status_code, 403)
                self.assertKeepsText(response)
        self.assertFalse(Comment.objects.exists())

    def test_csrf_failure_elsewhere_is_a_friendly_403(self):
        client = Client(enforce_csrf_checks=True)
        response = client.post("/admin/login/", {"username": "x", "password": "y"})
        self.assertEqual(response.status_code, 403)
        self.assertContains(response, "security check failed", status_code=403)


class CaptchaRefreshWithoutScriptTests(PostingTestCase):
    def test_refresh_button_redisplays_text_with_a_new_picture(self):
        page = self.page()
        data = {**solved(page), "captcha_refresh": "1", "captcha_answer": ""}
        response = self.post(data)
        self.assertEqual(response.status_code, 200)
        html = self.assertKeepsText(response)
        self.assertIn("new Security Key picture", html)
        self.assertNotIn('class="error"', html)
        self.assertNotEqual(form_fields(html)["captcha_token"], form_fields(page)["captcha_token"])
        self.assertFalse(Comment.objects.exists())

    @override_settings(NEWSDESK_CAPTCHA_REFRESH_RATE="2/600")
    def test_refresh_is_rate_limited_keeping_text(self):
        data = {**solved(self.page()), "captcha_refresh": "1"}
        self.post(data)
        self.post(data)
        response = self.post(data)
        self.assertEqual(response.status_code, 429)
        self.assertKeepsText(response)


class RateLimitTests(PostingTestCase):
    @override_settings(NEWSDESK_COMMENTS_RATE_IP="2/600", NEWSDESK_COMMENTS_RATE_EMAIL="100/600")
    def test_too_many_from_one_address_is_429_keeping_text(self):
        for n in range(2):
            self.assertEqual(
                self.post(solved(self.page(), email=f"r{n}@example.org")).status_code, 303
            )
        response = self.post(solved(self.page(), email="r3@example.org"))
        self.assertEqual(response.status_code, 429)
        self.assertIn("from your address", self.assertKeepsText(response))
        self.assertTrue(int(response["Retry-After"]) > 0)
        other = self.client.post(self.post_url, solved(self.page()), REMOTE_ADDR="198.51.100.7")
        self.assertEqual(other.status_code, 303)

    @override_settings(NEWSDESK_COMMENTS_RATE_IP="100/600", NEWSDESK_COMMENTS_RATE_EMAIL="1/600")
    def test_too_many_with_one_email_is_429(self):
        self.assertEqual(self.post(solved(self.page())).status_code, 303)
        response = self.post(
            solved(self.page(), email="ADA@example.org"), REMOTE_ADDR="198.51.100.8"
        )
        self.assertEqual(response.status_code, 429)
        self.assertIn("with your email address", self.assertKeepsText(response))

    @override_settings(NEWSDESK_COMMENTS_RATE_IP="2/600")
    def test_invalid_posts_count_against_the_address(self):
        for _ in range(2):
            self.post(solved(self.page(), captcha_answer="WRONG1"))
        response = self.post(solved(self.page()))
        self.assertEqual(response.status_code, 429)


class CommentModeTests(PostingTestCase):
    def test_closed_article_shows_no_form_and_refuses_posts(self):
        data = solved(self.page())
        CommentSettings.objects.create(article=self.article, mode=CommentSettings.Mode.CLOSED)
        for html in (self.page(), self.client.get(self.write_url).content.decode()):
            self.assertIn("Comments on this article are closed.", html)
            self.assertNotIn('id="comment-form"', html)
            self.assertNotIn("captcha_token", html)
        self.assertIn("Comments on this article are closed.", self.article_page())
        self.assertEqual(self.post(data).status_code, 403)
        self.assertFalse(Comment.objects.exists())

    @override_settings(NEWSDESK_COMMENTS_CLOSE_AFTER_DAYS=7)
    def test_comments_close_automatically_after_the_site_setting(self):
        self.article.published_at = timezone.now() - timedelta(days=8)
        self.article.save()
        self.assertIn("Comments on this article are closed.", self.page())
        row = CommentSettings.objects.create(
            article=self.article, mode=CommentSettings.Mode.AUTO, close_after_days=30
        )
        self.assertIn('id="comment-form"', self.page())
        row.mode = CommentSettings.Mode.OPEN
        row.close_after_days = 1
        row.save()
        self.assertIn('id="comment-form"', self.page())


class ReplyTests(PostingTestCase):
    def test_reply_is_stored_under_its_parent_and_shown_threaded(self):
        parent = CommentFactory(article=self.article, name="First reader")
        html = self.page(reply_to=parent.pk)
        self.assertIn("Reply to First reader", html)
        self.assertIn(f'name="parent" value="{parent.pk}"', html)
        self.assertEqual(self.post(solved(html)).status_code, 303)
        reply = Comment.objects.get(parent=parent)
        reply.status = Comment.Status.APPROVED
        reply.save()
        html = self.article_page()
        self.assertRegex(
            html,
            rf'id="comment-{parent.pk}"[\s\S]*<ol class="comment-replies">'
            rf'[\s\S]*id="comment-{reply.pk}"',
        )

    def test_reply_to_a_reply_joins_the_first_comment(self):
        parent = CommentFactory(article=self.article)
        child = CommentFactory(article=self.article, parent=parent)
        self.post(solved(self.page(), parent=str(child.pk)))
        self.assertEqual(Comment.objects.latest("id").parent_id, parent.pk)

    def test_reply_to_a_comment_of_another_article_is_refused(self):
        stranger = CommentFactory()
        response = self.post(solved(self.page(), parent=str(stranger.pk)))
        self.assertEqual(response.status_code, 400)
        self.assertKeepsText(response)


@override_settings(NEWSDESK_COMMENTS_BLOCKLIST=["cheap-pills"])
class SpamFolderTests(PostingTestCase):
    def test_blocked_term_goes_to_the_spam_folder_with_reasons(self):
        self.assertEqual(
            self.post(solved(self.page(), body="Buy at cheap-pills dot com")).status_code, 303
        )
        comment = Comment.objects.get()
        self.assertEqual(comment.status, Comment.Status.SPAM)
        self.assertGreaterEqual(comment.spam_score, 1.0)
        self.assertIn("+1.00 blocked term 'cheap-pills'", comment.spam_reasons)
