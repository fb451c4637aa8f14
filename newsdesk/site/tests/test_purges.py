"""Exact purges, end to end through the origin's page cache: each change is seen at the next
request on the pages that show it, and every other kept page stays kept."""

from datetime import timedelta

import time_machine
from django.core.cache import caches
from django.core.wsgi import get_wsgi_application
from django.test import TestCase
from django.utils import timezone

from newsdesk.articles.models import Article
from newsdesk.articles.services import (
    article_correct,
    article_publish,
    article_save,
    article_unpublish,
)
from newsdesk.articles.tasks import article_effects_run
from newsdesk.articles.tests.factories import ArticleFactory, KeywordFactory, SectionFactory
from newsdesk.comments.models import Comment
from newsdesk.comments.services import comments_moderate
from newsdesk.comments.tests.factories import comment_create
from newsdesk.core import pagecache
from newsdesk.core.pagecache import PageCache
from newsdesk.core.surrogate import POLICIES
from newsdesk.core.tests.wsgi import wsgi_get

APP = PageCache(get_wsgi_application())


def get(path: str):
    return wsgi_get(APP, path)


def kept(path: str) -> bool:
    return get(path).header("X-Page-Cache") == "hit"


class PurgeTestCase(TestCase):
    def setUp(self):
        caches[pagecache.CACHE_ALIAS].clear()
        self.politics = SectionFactory(name="Politics", slug="politics")
        self.sport = SectionFactory(name="Sport", slug="sport")
        self.keyword = KeywordFactory(name="Harbour", slug="harbour")
        self.story = ArticleFactory(
            headline="Council approves harbour plan", section=self.politics, keywords=[self.keyword]
        )
        self.other = ArticleFactory(headline="Cup final tonight", section=self.sport)
        self.pages = {
            "home": "/",
            "politics": "/section/politics/",
            "sport": "/section/sport/",
            "keyword": "/keyword/harbour/",
            "story": self.story.get_absolute_url(),
            "other": self.other.get_absolute_url(),
        }
        for path in self.pages.values():
            self.assertEqual(get(path).status, 200, path)
            self.assertTrue(kept(path), path)

    def still_kept(self, *names: str) -> None:
        for name in names:
            self.assertTrue(kept(self.pages[name]), f"{name} should have stayed kept")

    def committed(self):
        return self.captureOnCommitCallbacks(execute=True)


class PublicPageHeaderTests(PurgeTestCase):
    def test_every_reader_page_can_be_shared_and_names_what_it_shows(self):
        for name, path in self.pages.items():
            with self.subTest(page=name):
                response = get(path)
                self.assertIn("public", response.header("Cache-Control"))
                self.assertIn("s-maxage=", response.header("Cache-Control"))
                self.assertIn("stale-if-error=", response.header("Cache-Control"))
                self.assertIsNone(response.header("Set-Cookie"))
                self.assertNotIn("cookie", (response.header("Vary") or "").lower())
                self.assertIsNotNone(response.header("ETag"))
        home_keys = get("/").header("Surrogate-Key").split()
        for key in ("list-home", f"article-{self.story.news_id}", f"section-{self.politics.pk}"):
            self.assertIn(key, home_keys)
        story_keys = get(self.pages["story"]).header("Surrogate-Key").split()
        self.assertIn(f"keyword-{self.keyword.pk}", story_keys)
        self.assertNotIn("list-home", story_keys)

    def test_a_matching_etag_is_answered_304(self):
        etag = get("/").header("ETag")
        response = wsgi_get(APP, "/", headers={"If-None-Match": etag})
        self.assertEqual(response.status, 304)

    def test_lists_are_kept_no_longer_than_until_the_next_scheduled_story(self):
        ArticleFactory(published_at=timezone.now() + timedelta(seconds=90), section=self.sport)
        caches[pagecache.CACHE_ALIAS].clear()
        cache_control = get("/").header("Cache-Control")
        seconds = int(cache_control.split("s-maxage=")[1].split(",")[0])
        self.assertLessEqual(seconds, 90)
        self.assertGreater(POLICIES["list"].s_maxage, 90)


class ArticleChangeTests(PurgeTestCase):
    def test_a_new_story_enters_its_lists_and_nothing_else_is_purged(self):
        with self.committed():
            new = article_save(
                article=Article(headline="Budget vote delayed", section=self.politics), by=None
            )
            article_publish(article=new, by=None)
        self.assertIn(b"Budget vote delayed", get("/").body)
        self.assertIn(b"Budget vote delayed", get("/section/politics/").body)
        self.still_kept("sport", "keyword", "story", "other")

    def test_an_edit_is_seen_on_its_page_and_the_lists_that_show_it(self):
        self.story.headline = "Council approves a smaller harbour plan"
        with self.committed():
            article_save(article=self.story, by=None)
        self.assertIn(b"a smaller harbour plan", get(self.pages["story"]).body)
        self.assertIn(b"a smaller harbour plan", get("/").body)
        self.assertIn(b"a smaller harbour plan", get("/keyword/harbour/").body)
        self.still_kept("sport", "other")

    def test_an_unpublished_story_leaves_every_page_at_once(self):
        with self.committed():
            article_unpublish(article=self.story, by=None)
        self.assertEqual(get(self.pages["story"]).status, 404)
        for name in ("home", "politics", "keyword"):
            self.assertNotIn(b"Council approves harbour plan", get(self.pages[name]).body)
        self.still_kept("sport", "other")

    def test_a_correction_is_seen_on_the_story_page(self):
        with self.committed():
            article_correct(article=self.story, by=None, text="The vote was 7 to 2.")
        self.assertIn(b"The vote was 7 to 2.", get(self.pages["story"]).body)
        self.still_kept("other", "sport")

    def test_a_section_renamed_in_the_admin_is_seen_on_every_page_that_shows_its_name(self):
        from django.contrib.auth import get_user_model

        admin = get_user_model().objects.create_superuser("chief", password="pw")
        self.client.force_login(admin)
        with self.committed():
            response = self.client.post(
                f"/admin/articles/section/{self.politics.pk}/change/",
                {"name": "Government", "slug": "politics", "description": "", "position": 0},
            )
        self.assertEqual(response.status_code, 302)
        for name, path in self.pages.items():
            self.assertIn(b"Government", get(path).body, name)


class ScheduleTests(PurgeTestCase):
    def test_an_embargoed_story_appears_everywhere_when_its_lift_is_processed(self):
        lift = timezone.now() + timedelta(minutes=2)
        with self.committed():
            embargoed = ArticleFactory(
                headline="Embargoed report on harbour",
                section=self.politics,
                keywords=[self.keyword],
                embargo_until=lift,
            )
            article_publish(article=embargoed, by=None)
        url = embargoed.get_absolute_url()
        missing = get(url)
        self.assertEqual(missing.status, 404)
        # Kept by edges no longer than until the lift, whatever happens to its purge.
        s_maxage = int(missing.header("Cache-Control").split("s-maxage=")[1].split(",")[0])
        self.assertLessEqual(s_maxage, 120)
        self.assertLess(120, POLICIES["missing"].s_maxage)
        self.assertIn("max-age=0", missing.header("Cache-Control"))
        for name in ("home", "politics", "keyword", "story"):
            self.assertNotIn(b"Embargoed report", get(self.pages[name]).body, name)
        with time_machine.travel(lift + timedelta(seconds=1)):
            with self.committed():
                self.assertEqual(article_effects_run.call(article_id=embargoed.pk), "done")
            self.assertEqual(get(url).status, 200)
            for name in ("home", "politics", "keyword"):
                self.assertIn(b"Embargoed report", get(self.pages[name]).body, name)
            self.assertTrue(kept(self.pages["other"]))


class CommentPurgeTests(PurgeTestCase):
    def test_an_approved_comment_is_seen_on_its_story_only(self):
        comment = comment_create(self.story, body="A pending remark", approved=False)
        with self.committed():
            comments_moderate(
                comments=Comment.objects.filter(pk=comment.pk),
                status=Comment.Status.APPROVED,
                by=None,
            )
        self.assertIn(b"A pending remark", get(self.pages["story"]).body)
        self.still_kept("other", "home")

    def test_a_removed_comment_leaves_its_story_page(self):
        comment = comment_create(self.story, body="A remark to remove")
        caches[pagecache.CACHE_ALIAS].clear()
        self.assertIn(b"A remark to remove", get(self.pages["story"]).body)
        with self.committed():
            comments_moderate(
                comments=Comment.objects.filter(pk=comment.pk),
                status=Comment.Status.REJECTED,
                by=None,
            )
        self.assertNotIn(b"A remark to remove", get(self.pages["story"]).body)
