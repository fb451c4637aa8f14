"""The article page is the same bytes for every reader (site/page.py): nothing per reader in it,
no cookie set, nothing that would make a cache keep one copy per reader; and what it shows is
always the story as it is now."""

import re
from datetime import timedelta

import time_machine
from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from newsdesk.articles import roles
from newsdesk.articles.models import Article
from newsdesk.articles.tests.factories import ArticleFactory, AuthorFactory, KeywordFactory
from newsdesk.articles.tests.test_workflow import user_in
from newsdesk.comments.models import Comment, CommentSettings
from newsdesk.comments.tests.factories import comment_create

PAGE_TIME_RE = re.compile(rb'<span class="page-time">[^<]*</span>')
# What only one reader may see: the CSRF token, the Security Key, the form's signed start time.
PER_READER = ("csrfmiddlewaretoken", "captcha_token", 'name="started"', "/captcha/image/")


def same_copy(body: bytes) -> bytes:
    # The footer tells how long this copy took to render: the page cache keeps that figure with
    # the copy, so every reader of one copy sees the same. Two renders here are two copies.
    return PAGE_TIME_RE.sub(b"", body)


class ArticlePageTestCase(TestCase):
    def setUp(self):
        self.article = ArticleFactory(headline="Ferry timetable changes")
        self.comment = comment_create(self.article, name="Rosa", body="First approved.")
        comment_create(self.article, name="Tom", body="Waiting.", approved=False)
        self.url = self.article.get_absolute_url()

    def get(self, client: Client | None = None, **extra):
        response = (client or self.client).get(self.url, **extra)
        self.assertEqual(response.status_code, 200)
        return response

    def page(self, client: Client | None = None) -> str:
        return self.get(client).content.decode()


class SameBytesTests(ArticlePageTestCase):
    def assertShared(self, response):
        self.assertEqual(response.cookies, {})
        self.assertNotIn("Set-Cookie", response.headers)
        self.assertNotIn("cookie", response.get("Vary", "").lower())
        html = response.content.decode()
        for value in PER_READER:
            self.assertNotIn(value, html)

    def test_two_anonymous_views_are_the_same_bytes_with_comments_open(self):
        first, second = self.get(), self.get(Client())
        self.assertIn("First approved.", first.content.decode())
        self.assertIn("Write a comment", first.content.decode())
        self.assertEqual(same_copy(first.content), same_copy(second.content))
        self.assertShared(first)
        self.assertShared(second)

    def test_a_reader_with_cookies_gets_the_same_bytes_and_no_cookie_back(self):
        # A CSRF cookie from an earlier form, and a messages cookie: the page reads neither.
        client = Client(enforce_csrf_checks=True)
        client.cookies["csrftoken"] = "x" * 32
        client.cookies["messages"] = "not-a-message"
        response = self.get(client)
        self.assertShared(response)
        self.assertEqual(same_copy(response.content), same_copy(self.get().content))

    def test_the_page_holds_no_form_to_post_only_a_link_and_the_fragments_address(self):
        html = self.page()
        news_id = self.article.news_id
        self.assertNotIn('method="post"', html)
        self.assertIn(
            f'<div id="comment-form-slot" class="comment-form-slot" '
            f'data-form-url="{reverse("comments:form", args=[news_id])}">',
            html,
        )
        self.assertIn(f'<a href="/comments/{news_id}/write/" data-write-comment>', html)
        self.assertIn(f'href="/comments/{news_id}/write/?reply_to={self.comment.pk}"', html)
        self.assertNotIn('href="?reply_to=', html)

    def test_scripts_come_from_the_site_itself(self):
        html = self.page()
        self.assertIn('<script src="/static/comments/form.js" defer></script>', html)
        self.assertIn('<script src="/static/captcha/refresh.js" defer></script>', html)
        # No inline script (CSP: script-src 'self'); JSON-LD is data, never run.
        self.assertNotRegex(html, r'<script(?![^>]*\b(src=|type="application/ld\+json"))[^>]*>')

    def test_shows_approved_comments_only_with_their_count(self):
        html = self.page()
        self.assertIn('<span class="count">(1)</span>', html)
        self.assertIn("First approved.", html)
        self.assertNotIn("Waiting.", html)

    def test_closed_comments_say_so_and_offer_no_link(self):
        CommentSettings.objects.create(article=self.article, mode=CommentSettings.Mode.CLOSED)
        html = self.page()
        self.assertIn("Comments on this article are closed.", html)
        self.assertIn("First approved.", html)
        self.assertNotIn("comment-form-slot", html)
        self.assertNotIn("Write a comment", html)
        self.assertNotIn("reply_to", html)

    @override_settings(NEWSDESK_COMMENTS_CLOSE_AFTER_DAYS=3)
    def test_a_copy_offering_to_comment_is_kept_no_longer_than_comments_stay_open(self):
        now = timezone.now()
        Article.objects.filter(pk=self.article.pk).update(
            published_at=now - timedelta(days=3) + timedelta(minutes=2)
        )
        with time_machine.travel(now, tick=False):
            response = self.get()
        self.assertEqual(response.cache_max_seconds, 120)
        with time_machine.travel(now + timedelta(minutes=3), tick=False):
            response = self.get()
        self.assertIn("Comments on this article are closed.", response.content.decode())
        self.assertIsNone(getattr(response, "cache_max_seconds", None))


class ArticlePageChangesTests(ArticlePageTestCase):
    """What the page shows is read when it is rendered: nothing in the origin outlives a change
    (the copies kept whole are purged by key: newsdesk/site/tests/test_purges.py)."""

    def setUp(self):
        super().setUp()
        self.page()

    def test_an_approved_comment_shows(self):
        Comment.objects.filter(body="Waiting.").update(status=Comment.Status.APPROVED)
        html = self.page()
        self.assertIn("Waiting.", html)
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

    def test_an_unpublished_or_embargoed_article_is_gone_at_once(self):
        Article.objects.filter(pk=self.article.pk).update(
            embargo_until=timezone.now() + timedelta(hours=1)
        )
        self.assertEqual(self.client.get(self.url).status_code, 404)
        Article.objects.filter(pk=self.article.pk).update(
            embargo_until=None, status=Article.Status.DRAFT
        )
        self.assertEqual(self.client.get(self.url).status_code, 404)

    def test_a_renamed_slug_redirects_permanently(self):
        Article.objects.filter(pk=self.article.pk).update(slug="ferry-timetable")
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 301)
        self.assertEqual(response["Location"], f"/news/{self.article.news_id}/ferry-timetable/")


class AdminEditsTests(TestCase):
    """Names edited in the admin show on the story, its metadata and the navigation."""

    def setUp(self):
        self.keyword = KeywordFactory(name="Harbour works")
        self.author = AuthorFactory(name="Ada Byline")
        self.article = ArticleFactory(
            headline="Breakwater rebuilt", keywords=[self.keyword], authors=[self.author]
        )
        self.url = self.article.get_absolute_url()
        self.client.force_login(user_in(roles.ADMINISTRATOR, "chief"))

    def page(self) -> str:
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def admin_change(self, obj, data: dict) -> None:
        url = reverse(f"admin:articles_{obj._meta.model_name}_change", args=[obj.pk])
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, response.content[:500])

    def test_a_keyword_renamed_shows(self):
        self.assertIn("Harbour works", self.page())
        self.admin_change(self.keyword, {"name": "Harbour repairs", "slug": self.keyword.slug})
        html = self.page()
        self.assertIn("Harbour repairs", html)
        self.assertNotIn("Harbour works", html)

    def test_an_author_renamed_shows(self):
        self.assertIn("Ada Byline", self.page())
        self.admin_change(self.author, {"name": "Ada Lovelace", "slug": self.author.slug})
        html = self.page()
        self.assertNotIn("Ada Byline", html)
        self.assertIn('"author":[{"@type":"Person","name":"Ada Lovelace"}]', html)

    def test_a_section_renamed_shows_in_the_story_and_the_nav(self):
        section = self.article.section
        old_name = section.name
        self.assertIn(old_name, self.page())
        self.admin_change(
            section, {"name": "Coast and sea", "slug": section.slug, "position": section.position}
        )
        html = self.page()
        self.assertNotIn(old_name, html)
        self.assertRegex(html, r'<nav class="section-nav" aria-label="Sections">.*Coast and sea')
        self.assertIn('<p class="section kicker"><a href="/section/', html)
        self.assertIn('"articleSection":"Coast and sea"', html)
