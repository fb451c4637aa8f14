"""Through a real Varnish with the shipped VCL: readers' repeats are hits, every kind of change is
seen at the next request, and nothing readers may not see is ever served."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from newsdesk.articles.models import Article
from newsdesk.articles.services import (
    article_correct,
    article_publish,
    article_save,
    article_unpublish,
)
from newsdesk.articles.tasks import article_effects_run
from newsdesk.articles.tests.factories import (
    ArticleFactory,
    AuthorFactory,
    KeywordFactory,
    SectionFactory,
)
from newsdesk.comments.models import Comment
from newsdesk.comments.services import comments_moderate
from newsdesk.comments.tests.factories import comment_create
from newsdesk.core.edge import edge_purge
from newsdesk.core.surrogate import ALL
from newsdesk.core.tests.varnish import VarnishLiveServerTestCase

pytestmark = pytest.mark.edge


class EdgeTestCase(VarnishLiveServerTestCase):
    def setUp(self):
        # One Varnish serves the class, and each test's database starts anew.
        edge_purge(base_url=self.varnish.url, keys=[ALL])
        self.politics = SectionFactory(name="Politics", slug="politics")
        self.sport = SectionFactory(name="Sport", slug="sport")
        self.keyword = KeywordFactory(name="Harbour", slug="harbour")
        self.author = AuthorFactory(name="Ana Reporter", slug="ana-reporter")
        self.story = ArticleFactory(
            headline="Council approves harbour plan",
            section=self.politics,
            keywords=[self.keyword],
            authors=[self.author],
        )
        self.other = ArticleFactory(headline="Cup final tonight", section=self.sport)
        self.pages = {
            "home": "/",
            "politics": "/section/politics/",
            "sport": "/section/sport/",
            "keyword": "/keyword/harbour/",
            "author": "/author/ana-reporter/",
            "story": self.story.get_absolute_url(),
            "other": self.other.get_absolute_url(),
            "feed": "/feeds/rss/",
            "api": "/api/articles",
        }
        for path in self.pages.values():
            self.get(path)
            self.assertEqual(self.get(path).headers["X-Cache"], "HIT", path)

    def get(self, path: str):
        return self.varnish.get(path)

    def body(self, path: str) -> str:
        return self.get(path).text

    def assert_hits(self, *names: str) -> None:
        for name in names:
            self.assertEqual(self.get(self.pages[name]).headers["X-Cache"], "HIT", name)


class RepeatTests(EdgeTestCase):
    def test_every_kind_of_public_page_is_a_hit_for_the_second_reader(self):
        self.assert_hits(*self.pages)

    def test_an_editor_with_a_session_passes_to_the_origin(self):
        user = get_user_model().objects.create_superuser("chief", password="pw")
        client = Client()
        client.force_login(user)
        session = client.cookies["sessionid"].value
        answer = self.varnish.get("/", headers={"Cookie": f"sessionid={session}"})
        self.assertEqual(answer.headers["X-Cache"], "PASS")
        self.assertIn("private", answer.headers["Cache-Control"])


class ChangeTests(EdgeTestCase):
    def test_a_published_story_is_on_its_lists_at_the_next_request(self):
        new = article_save(
            article=Article(
                headline="Budget vote delayed", section=self.politics, body="<p>Text.</p>"
            ),
            by=None,
        )
        new.keywords.set([self.keyword])
        article_publish(article=new, by=None)
        for name in ("home", "politics", "keyword", "feed", "api"):
            self.assertIn("Budget vote delayed", self.body(self.pages[name]), name)
        self.assertEqual(self.get(new.get_absolute_url()).status_code, 200)
        self.assert_hits("sport", "other")

    def test_an_edit_is_seen_on_its_page_and_every_list_that_shows_it(self):
        self.story.headline = "Council approves a smaller harbour plan"
        article_save(article=self.story, by=None)
        for name in ("story", "home", "politics", "keyword", "author", "feed", "api"):
            self.assertIn("a smaller harbour plan", self.body(self.pages[name]), name)
        self.assert_hits("sport", "other")

    def test_an_unpublished_story_is_never_served_again(self):
        article_unpublish(article=self.story, by=None)
        self.assertEqual(self.get(self.pages["story"]).status_code, 404)
        for name in ("home", "politics", "keyword", "author", "feed", "api"):
            self.assertNotIn("Council approves harbour plan", self.body(self.pages[name]), name)
        self.assert_hits("sport", "other")

    def test_a_correction_is_seen_on_the_story(self):
        article_correct(article=self.story, by=None, text="The vote was 7 to 2.")
        self.assertIn("The vote was 7 to 2.", self.body(self.pages["story"]))
        self.assert_hits("other")

    def test_an_approved_and_then_removed_comment_changes_only_its_story_page(self):
        comment = comment_create(self.story, body="A remark from a reader", approved=False)
        comments_moderate(
            comments=Comment.objects.filter(pk=comment.pk), status="approved", by=None
        )
        self.assertIn("A remark from a reader", self.body(self.pages["story"]))
        self.assert_hits("home", "other", "politics")
        comments_moderate(
            comments=Comment.objects.filter(pk=comment.pk), status="rejected", by=None
        )
        self.assertNotIn("A remark from a reader", self.body(self.pages["story"]))

    def test_section_keyword_and_author_renamed_in_the_admin_are_seen_where_shown(self):
        admin = Client()
        admin.force_login(get_user_model().objects.create_superuser("chief", password="pw"))
        changes = [
            (f"/admin/articles/section/{self.politics.pk}/change/", {"slug": "politics"}),
            (f"/admin/articles/keyword/{self.keyword.pk}/change/", {"slug": "harbour"}),
            (f"/admin/articles/author/{self.author.pk}/change/", {"slug": "ana-reporter"}),
        ]
        names = ["Government", "Ports", "Ana Editor"]
        for (url, fields), name in zip(changes, names, strict=True):
            form = {"name": name, "description": "", "position": 0, "bio": "", **fields}
            self.assertEqual(admin.post(url, form).status_code, 302, url)
        story = self.body(self.pages["story"])
        for name in names:
            self.assertIn(name, story)
        self.assertIn("Government", self.body(self.pages["sport"]))  # the navigation
        self.assertIn("Ports", self.body(self.pages["keyword"]))
        self.assertIn("Ana Editor", self.body(self.pages["author"]))


class TimeTests(EdgeTestCase):
    def test_an_embargoed_story_is_nowhere_until_its_lift_then_everywhere(self):
        lift = timezone.now() + timedelta(hours=1)
        embargoed = ArticleFactory(
            headline="Embargoed harbour report",
            section=self.politics,
            keywords=[self.keyword],
            embargo_until=lift,
        )
        article_publish(article=embargoed, by=None)
        url = embargoed.get_absolute_url()
        for _ in range(2):
            self.assertEqual(self.get(url).status_code, 404)
            for name in ("home", "politics", "keyword", "story", "feed", "api"):
                self.assertNotIn("Embargoed harbour report", self.body(self.pages[name]), name)
        with time_machine.travel(lift + timedelta(seconds=1)):
            # What the worker does at the lift: the task enqueued for that time.
            self.assertEqual(article_effects_run.call(article_id=embargoed.pk), "done")
            self.assertEqual(self.get(url).status_code, 200)
            for name in ("home", "politics", "keyword", "feed", "api"):
                self.assertIn("Embargoed harbour report", self.body(self.pages[name]), name)
            self.assert_hits("sport", "other")
