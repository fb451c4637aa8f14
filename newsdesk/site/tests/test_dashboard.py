"""The editor's dashboard on the admin home: its numbers per day in the newsroom's time zone,
drawn as SVG in the page (no script, nothing from outside), a query count that does not grow
with the archive, and each role seeing its own panels. In the site layer: it spans the apps."""

from datetime import UTC, datetime, timedelta

import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from newsdesk.articles import roles
from newsdesk.articles.models import Article
from newsdesk.articles.tests.factories import ArticleFactory
from newsdesk.comments.models import Comment
from newsdesk.core.dashboard import panels_for
from newsdesk.ingest.models import Source, WireItem

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def user_in(role: str):
    user = get_user_model().objects.create_user(role.lower(), password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def comment(article, *, at, status=Comment.Status.PENDING, moderated_at=None):
    return Comment.objects.create(
        article=article,
        name="Reader",
        body="A comment.",
        created_at=at,
        status=status,
        moderated_at=moderated_at,
    )


def fill(stories: int):
    """`stories` published stories over the last days, each with a comment, one wire source
    with items per story, one scheduled story and one under embargo."""
    source = Source.objects.create(name=f"Agency {stories}", kind="rss", url="https://a.example/f")
    for n in range(stories):
        at = NOW - timedelta(days=n % 5, hours=1)
        article = ArticleFactory(headline=f"Story {n}", published_at=at)
        comment(article, at=at, status=Comment.Status.APPROVED, moderated_at=at)
        WireItem.objects.create(
            source=source,
            guid=f"{stories}-{n}",
            title=f"Item {n}",
            first_seen_at=at,
            content_hash=f"{n}",
        )
    ArticleFactory(headline="Tomorrow's story", published_at=NOW + timedelta(days=1))
    ArticleFactory(
        headline="Embargoed report",
        published_at=NOW - timedelta(hours=1),
        embargo_until=NOW + timedelta(days=2),
    )


@time_machine.travel(NOW, tick=False)
class DashboardTests(TestCase):
    def setUp(self):
        self.admin = get_user_model().objects.create_superuser("chief", "c@example.org", "pw")
        self.client.force_login(self.admin)

    def home(self):
        response = self.client.get(reverse("admin:index"))
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_the_home_shows_each_plot_as_svg_drawn_in_the_page(self):
        fill(3)
        page = self.home()
        for title in (
            "Stories published per day, last 14 days",
            "Comments per day, last 14 days",
            "Wire items per source, last 7 days",
            "Scheduled and embargoed, next 7 days",
        ):
            self.assertIn(title, page)
        self.assertEqual(page.count('<svg viewBox="'), 4)
        self.assertIn("<title>Mar 10: 1 stories</title>", page)
        self.assertIn("Tomorrow&#x27;s story", page)
        self.assertIn("Embargoed report", page)
        self.assertIn("Embargoed", page)
        self.assertNotIn(
            "<script", page.split('class="newsdesk-dashboard"')[1].split("</section>")[0]
        )

    def test_stories_are_counted_on_the_newsroom_day_they_came_out(self):
        # 23:30 UTC on March 8 is already March 9 in Tehran (UTC+3:30).
        ArticleFactory(published_at=datetime(2025, 3, 8, 23, 30, tzinfo=UTC))
        with override_settings(TIME_ZONE="Asia/Tehran"):
            [published] = [p for p in panels_for(self.request()) if p.title == "Published"]
        values = dict(
            zip(published.charts[0].labels, published.charts[0].series[0].values, strict=True)
        )
        self.assertEqual(values["Mar 9"], 1)
        self.assertEqual(values["Mar 8"], 0)

    def test_comments_received_and_moderated_per_day_and_the_queue(self):
        article = ArticleFactory(published_at=NOW - timedelta(days=3))
        comment(
            article,
            at=NOW - timedelta(days=2),
            status=Comment.Status.APPROVED,
            moderated_at=NOW - timedelta(days=1),
        )
        comment(article, at=NOW - timedelta(hours=5))
        comment(article, at=NOW - timedelta(hours=2))
        [panel] = [p for p in panels_for(self.request()) if p.title == "Comments"]
        received, moderated = panel.charts[0].series
        self.assertEqual(received.values[-3:], [1, 0, 2])
        self.assertEqual(moderated.values[-3:], [0, 1, 0])
        facts = {f.label: f.value for f in panel.facts}
        self.assertEqual(facts["waiting for moderation"], "2")
        self.assertEqual(facts["the oldest has waited"], "5\xa0hours")

    def test_wire_items_per_source_include_a_silent_source(self):
        fill(2)
        Source.objects.create(name="Quiet wire", kind="rss", url="https://q.example/f")
        [panel] = [p for p in panels_for(self.request()) if p.title == "Wire desk"]
        chart = panel.charts[0]
        self.assertEqual(
            dict(zip(chart.labels, chart.series[0].values, strict=True)),
            {"Agency 2": 2, "Quiet wire": 0},
        )

    def test_the_dashboards_queries_do_not_grow_with_the_archive(self):
        fill(2)
        with self.assertNumQueries(7):
            panels_for(self.request())
        with CaptureQueriesContext(connection) as small:
            self.home()
        fill(25)
        with self.assertNumQueries(7):
            panels_for(self.request())
        with CaptureQueriesContext(connection) as large:
            self.home()
        self.assertEqual(len(large), len(small))

    def request(self):
        from django.test import RequestFactory

        request = RequestFactory().get("/admin/")
        request.user = self.admin
        return request


@time_machine.travel(NOW, tick=False)
class DashboardRolesTests(TestCase):
    def titles(self, user) -> list[str]:
        self.client.force_login(user)
        response = self.client.get(reverse("admin:index"))
        return [p.title for p in panels_for(response.wsgi_request)]

    def test_each_role_sees_the_panels_of_its_work(self):
        self.assertEqual(self.titles(user_in(roles.REPORTER)), ["Published"])
        self.assertEqual(
            self.titles(user_in(roles.EDITOR)), ["Published", "Coming up", "Wire desk"]
        )
        self.assertEqual(self.titles(user_in(roles.MODERATOR)), ["Comments"])

    def test_a_reporter_does_not_see_others_scheduled_stories(self):
        ArticleFactory(
            headline="Secret scoop",
            published_at=NOW + timedelta(hours=3),
            status=Article.Status.PUBLISHED,
        )
        self.client.force_login(user_in(roles.REPORTER))
        self.assertNotContains(self.client.get(reverse("admin:index")), "Secret scoop")
