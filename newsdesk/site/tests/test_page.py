"""The article page kept whole for readers (articles/page.py): the same page a fresh render
gives, with each view's own tokens, and every change seen at the next view."""

import re
from datetime import timedelta

import time_machine
from django.core import signing
from django.core.cache import cache
from django.test import Client, TestCase, override_settings
from django.utils import timezone

from newsdesk.articles.models import Article
from newsdesk.articles.tests.factories import ArticleFactory
from newsdesk.comments.forms import STARTED_SALT
from newsdesk.comments.models import Comment, CommentSettings
from newsdesk.comments.tests.factories import comment_create, form_fields, solved
from newsdesk.site.page import kept_page

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def tokens(html: str) -> tuple[str, str, str]:
    fields = form_fields(html)
    return CSRF_RE.search(html).group(1), fields["captcha_token"], fields["started"]


def without_tokens(html: str) -> str:
    for token in tokens(html):
        html = html.replace(token, "TOKEN")
    return re.sub(r'<span class="page-time">[^<]*</span>', "", html)


class KeptPageTestCase(TestCase):
    def setUp(self):
        cache.clear()
        self.article = ArticleFactory(headline="Ferry timetable changes")
        self.comment = comment_create(self.article, name="Rosa", body="First approved.")
        self.url = self.article.get_absolute_url()

    def page(self, client: Client | None = None, **extra) -> str:
        response = (client or self.client).get(self.url, **extra)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def assertKept(self, **extra):
        """The next view is served from the kept page (2 queries, no rendering)."""
        with self.assertNumQueries(2):
            return self.page(**extra)


class KeptPageTests(KeptPageTestCase):
    def test_a_kept_view_is_the_page_a_fresh_render_gives(self):
        self.page()
        kept = self.assertKept()
        # A session cookie makes the view one rendered for this reader alone.
        client = Client()
        client.cookies["sessionid"] = "no-such-session"
        rendered = self.page(client)
        self.assertEqual(without_tokens(kept), without_tokens(rendered))
        self.assertIn("First approved.", kept)

    def test_each_view_gets_its_own_csrf_token_and_security_key(self):
        self.page()
        (csrf, captcha, _), (other_csrf, other_captcha, _) = (
            tokens(self.assertKept()),
            tokens(self.assertKept()),
        )
        self.assertNotEqual(csrf, other_csrf)
        self.assertNotEqual(captcha, other_captcha)
        self.assertNotIn("standin", self.page())

    def test_the_form_start_time_is_the_time_of_the_view(self):
        started_at = timezone.now()
        with time_machine.travel(started_at, tick=False):
            self.page()
        with time_machine.travel(started_at + timedelta(minutes=3), tick=False):
            started = tokens(self.assertKept())[2]
        self.assertEqual(
            signing.loads(started, salt=STARTED_SALT),
            int((started_at + timedelta(minutes=3)).timestamp()),
        )

    def test_the_csrf_cookie_is_set_for_the_token_in_the_page(self):
        self.page()
        response = Client(enforce_csrf_checks=True).get(self.url)
        self.assertIn("csrftoken", response.cookies)
        self.assertIn("Cookie", response["Vary"])

    @override_settings(NEWSDESK_COMMENTS_MIN_SECONDS=0)
    def test_the_security_key_of_a_kept_view_can_be_answered(self):
        self.page()
        html = self.assertKept()
        client = Client(enforce_csrf_checks=True)
        html = client.get(self.url).content.decode()
        data = solved(html, csrfmiddlewaretoken=CSRF_RE.search(html).group(1))
        response = client.post(f"/comments/post/{self.article.news_id}/", data)
        self.assertEqual(response.status_code, 302, response.content[:300])
        self.assertTrue(Comment.objects.filter(body="A thoughtful comment.").exists())

    def test_views_with_a_reply_link_or_a_session_are_rendered_for_the_reader(self):
        self.page()
        reply = self.page(data={"reply_to": self.comment.pk})
        self.assertIn("Your reply will appear under Rosa", reply)
        self.assertNotIn("Your reply will appear under", self.assertKept())
        client = Client()
        client.cookies["sessionid"] = "x"
        request = client.get(self.url).wsgi_request
        self.assertIsNone(kept_page(request, self.article.news_id, self.article.slug))

    def test_a_query_string_is_served_the_kept_page_but_never_kept(self):
        self.page(data={"utm_source": "newsletter"})
        self.assertNotIn("utm_source", self.page())  # the plain address renders and keeps
        self.assertKept(data={"utm_source": "newsletter"})

    def test_languages_are_kept_apart(self):
        self.page(HTTP_ACCEPT_LANGUAGE="fa")
        persian = self.assertKept(HTTP_ACCEPT_LANGUAGE="fa")
        self.assertIn('<html lang="fa" dir="rtl">', persian)
        self.page(HTTP_ACCEPT_LANGUAGE="en")
        self.assertIn('<html lang="en" dir="ltr">', self.assertKept(HTTP_ACCEPT_LANGUAGE="en"))


class KeptPageChangesTests(KeptPageTestCase):
    """Each change is seen at the next view, made the quickest way (no signal, no purge)."""

    def setUp(self):
        super().setUp()
        self.page()
        self.assertKept()

    def test_an_approved_comment_shows(self):
        pending = comment_create(self.article, body="Waiting for a moderator.", approved=False)
        self.assertNotIn("Waiting for a moderator.", self.page())
        Comment.objects.filter(pk=pending.pk).update(status=Comment.Status.APPROVED)
        html = self.page()
        self.assertIn("Waiting for a moderator.", html)
        self.assertIn('<span class="count">(2)</span>', html)

    def test_a_comment_edited_or_removed_by_a_moderator_shows(self):
        Comment.objects.filter(pk=self.comment.pk).update(body="Edited by a moderator.")
        self.assertIn("Edited by a moderator.", self.page())
        Comment.objects.filter(pk=self.comment.pk).update(status=Comment.Status.REJECTED)
        self.assertNotIn("Edited by a moderator.", self.page())

    def test_an_edit_of_the_story_shows(self):
        article = Article.objects.get(pk=self.article.pk)
        article.headline = "Ferry timetable changes again"
        article.save()
        self.assertIn("Ferry timetable changes again", self.page())

    def test_comments_closed_by_an_editor_show_closed(self):
        CommentSettings.objects.create(article=self.article, mode=CommentSettings.Mode.CLOSED)
        html = self.page()
        self.assertIn("Comments on this article are closed.", html)
        self.assertNotIn('id="comment-form"', html)

    @override_settings(NEWSDESK_COMMENTS_CLOSE_AFTER_DAYS=3)
    def test_comments_close_on_their_own_after_the_set_days(self):
        # Two minutes before they close, well within the time a page is kept.
        published_at = timezone.now() - timedelta(days=3) + timedelta(minutes=2)
        Article.objects.filter(pk=self.article.pk).update(published_at=published_at)
        self.page()
        self.assertIn('id="comment-form"', self.assertKept())
        with time_machine.travel(timezone.now() + timedelta(minutes=3)):
            self.assertIn("Comments on this article are closed.", self.page())

    def test_an_unpublished_or_embargoed_article_is_gone_at_once(self):
        Article.objects.filter(pk=self.article.pk).update(
            embargo_until=timezone.now() + timedelta(hours=1)
        )
        self.assertEqual(self.client.get(self.url).status_code, 404)
        Article.objects.filter(pk=self.article.pk).update(
            embargo_until=None, status=Article.Status.DRAFT
        )
        self.assertEqual(self.client.get(self.url).status_code, 404)

    def test_a_renamed_slug_redirects(self):
        Article.objects.filter(pk=self.article.pk).update(slug="ferry-timetable")
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 301)
        self.assertEqual(response["Location"], f"/news/{self.article.news_id}/ferry-timetable/")
