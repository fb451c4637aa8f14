"""Where a reader gets the form: the fragment the article page's script fetches
(comments:form) and the write page that works without JavaScript (comments:write). Both carry
this reader's own values and are kept by no cache; the article page carries none."""

import re
from datetime import timedelta

import time_machine
from django.core import signing
from django.test import Client, TestCase, override_settings
from django.utils import timezone

from newsdesk.articles.tests.factories import ArticleFactory
from newsdesk.comments.forms import STARTED_SALT
from newsdesk.comments.models import Comment

from .factories import CommentFactory, form_fields, solved

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class WritingTestCase(TestCase):
    def setUp(self):
        self.article = ArticleFactory(headline="Ferry timetable changes")
        news_id = self.article.news_id
        self.form_url = f"/comments/{news_id}/form/"
        self.write_url = f"/comments/{news_id}/write/"
        self.post_url = f"/comments/{news_id}/"

    def get(self, url, client=None, **params):
        response = (client or self.client).get(url, params)
        self.assertEqual(response.status_code, 200)
        return response

    def assertPrivate(self, response):
        cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
        self.assertTrue({"private", "no-store"} <= cache_control, cache_control)
        self.assertNotIn("public", cache_control)
        self.assertIn("noindex", response["X-Robots-Tag"])


class FreshValuesTests(WritingTestCase):
    def assertFreshForEachReader(self, url):
        first, second = self.get(url, Client()), self.get(url, Client())
        for response in (first, second):
            self.assertPrivate(response)
            self.assertIn("csrftoken", response.cookies)
        one, other = (r.content.decode() for r in (first, second))
        self.assertNotEqual(CSRF_RE.search(one).group(1), CSRF_RE.search(other).group(1))
        self.assertNotEqual(form_fields(one)["captcha_token"], form_fields(other)["captcha_token"])
        self.assertIn('class="captcha-image" src="/captcha/image/', one)
        self.assertIn("Captcha refresh", one)
        self.assertIn("Listen to the Security Key (audio)", one)

    def test_the_fragment_carries_fresh_values_for_each_reader_and_is_kept_by_no_cache(self):
        self.assertFreshForEachReader(self.form_url)

    def test_the_write_page_carries_fresh_values_for_each_reader_and_is_kept_by_no_cache(self):
        self.assertFreshForEachReader(self.write_url)

    def test_the_form_start_is_the_time_it_was_fetched(self):
        fetched_at = timezone.now() + timedelta(minutes=7)
        for url in (self.form_url, self.write_url):
            with self.subTest(url=url), time_machine.travel(fetched_at, tick=False):
                started = form_fields(self.get(url).content.decode())["started"]
            self.assertEqual(signing.loads(started, salt=STARTED_SALT), int(fetched_at.timestamp()))

    def test_the_fragment_is_the_form_alone(self):
        html = self.get(self.form_url).content.decode()
        self.assertTrue(html.startswith('<form id="comment-form"'), html[:80])
        self.assertNotIn("<html", html)
        self.assertIn(f'action="{self.post_url}"', html)

    def test_the_write_page_is_a_page_linking_back_to_the_story(self):
        html = self.get(self.write_url).content.decode()
        self.assertIn("<html", html)
        self.assertIn('<meta name="robots" content="noindex, nofollow">', html)
        self.assertIn(
            f'<h1 id="comment-write-heading"><a href="{self.article.get_absolute_url()}">'
            "Ferry timetable changes</a></h1>",
            html,
        )
        self.assertIn('id="comment-form"', html)

    def test_showing_the_form_costs_two_queries_and_the_page_one_more(self):
        # The article with its comment settings; the flood counters for the proof of work.
        with self.assertNumQueries(2):
            self.get(self.form_url)
        with self.assertNumQueries(3):  # and the navigation's sections
            self.get(self.write_url)

    def test_a_story_readers_may_not_see_has_no_form(self):
        later = timezone.now() + timedelta(hours=1)
        hidden = [
            ArticleFactory(draft=True),
            ArticleFactory(published_at=later),
            ArticleFactory(embargo_until=later),
        ]
        for news_id in [a.news_id for a in hidden] + [999_999_999]:
            for url in (f"/comments/{news_id}/form/", f"/comments/{news_id}/write/"):
                with self.subTest(url=url):
                    self.assertEqual(self.client.get(url).status_code, 404)

    def test_posting_is_the_only_method_the_post_address_takes_and_forms_are_get_only(self):
        self.assertEqual(self.client.get(self.post_url).status_code, 405)
        self.assertEqual(self.client.post(self.form_url).status_code, 405)


class ReplyToTests(WritingTestCase):
    def test_reply_to_preselects_an_approved_comment_of_this_story(self):
        parent = CommentFactory(article=self.article, name="Rosa")
        for url in (self.form_url, self.write_url):
            with self.subTest(url=url):
                html = self.get(url, reply_to=parent.pk).content.decode()
                self.assertIn("Reply to Rosa", html)
                self.assertIn(f'name="parent" value="{parent.pk}"', html)
                self.assertIn(f'<a href="{self.write_url}" data-write-comment>', html)

    def test_reply_to_anything_else_is_a_new_comment(self):
        pending = CommentFactory(article=self.article, status=Comment.Status.PENDING)
        elsewhere = CommentFactory(name="Elsewhere")
        for reply_to in (pending.pk, elsewhere.pk, "abc", "-1", 999_999, "9" * 40):
            with self.subTest(reply_to=reply_to):
                html = self.get(self.form_url, reply_to=reply_to).content.decode()
                self.assertNotIn("Reply to", html)
                self.assertIn("Write a comment", html)
                self.assertIn('name="parent" id="id_parent"', html)  # no value


@override_settings(NEWSDESK_COMMENTS_MIN_SECONDS=0)
class WithoutScriptTests(WritingTestCase):
    """The no-JavaScript path: the write page, a post, the thanks; or the page again."""

    def test_write_post_thanks(self):
        client = Client(enforce_csrf_checks=True)
        page = self.get(self.write_url, client).content.decode()
        response = client.post(
            self.post_url, solved(page, csrfmiddlewaretoken=CSRF_RE.search(page).group(1))
        )
        self.assertEqual(response.status_code, 303)
        self.assertEqual(response["Location"], f"{self.write_url}?sent=1")
        thanks = client.get(response["Location"])
        self.assertPrivate(thanks)
        html = thanks.content.decode()
        self.assertIn("Thank you. Your comment will appear once a moderator has approved it.", html)
        self.assertIn(f'<a href="{self.article.get_absolute_url()}#comments">', html)
        self.assertNotIn('id="comment-form"', html)
        self.assertTrue(Comment.objects.filter(body="A thoughtful comment.").exists())

    def test_an_error_shows_the_write_page_again_with_the_text_kept(self):
        page = self.get(self.write_url).content.decode()
        response = self.client.post(
            self.post_url, solved(page, email="not-an-address", body="Keep <this> text")
        )
        self.assertEqual(response.status_code, 400)
        self.assertPrivate(response)
        html = response.content.decode()
        self.assertIn("Keep &lt;this&gt; text</textarea>", html)
        self.assertIn('value="Ada Reader"', html)
        self.assertIn('class="error"', html)
        self.assertIn(f'<a href="{self.article.get_absolute_url()}">', html)
        self.assertNotEqual(form_fields(html)["captcha_token"], form_fields(page)["captcha_token"])
        self.assertFalse(Comment.objects.exists())

    def test_a_reply_sent_from_the_write_page_is_stored_under_its_parent(self):
        parent = CommentFactory(article=self.article, name="Rosa")
        page = self.get(self.write_url, reply_to=parent.pk).content.decode()
        self.assertEqual(self.client.post(self.post_url, solved(page)).status_code, 303)
        self.assertEqual(Comment.objects.get(body="A thoughtful comment.").parent_id, parent.pk)

    def test_a_form_posted_to_the_address_it_had_before_is_not_lost(self):
        page = self.get(self.form_url).content.decode()
        response = self.client.post(f"/comments/post/{self.article.news_id}/", solved(page))
        self.assertEqual(response.status_code, 303)
        self.assertTrue(Comment.objects.exists())
