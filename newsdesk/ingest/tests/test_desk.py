from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import TestCase
from django.urls import reverse

from newsdesk.articles import roles
from newsdesk.articles.models import Article
from newsdesk.ingest.desk import story_draft, story_draft_create
from newsdesk.ingest.models import Story, WireItem
from newsdesk.ingest.store import wire_item_store

from .factories import DANUBE, DANUBE_REWRITE, RATES, SourceFactory, entry


def two_agency_story():
    reuters = SourceFactory(name="Wire One", credit="Reuters")
    afp = SourceFactory(name="Agence Two", credit="AFP")
    wire_item_store(source=reuters, entry=entry("r1", text=DANUBE, title="Danube floods"))
    wire_item_store(
        source=afp,
        entry=entry(
            "a1",
            text=DANUBE_REWRITE + " More detail follows from the scene.",
            title="Thousands flee as Danube floods",
        ),
    )
    return Story.objects.get()


class StoryDraftCreateTests(TestCase):
    def test_the_draft_credits_every_source_and_links_its_items(self):
        story = two_agency_story()
        article = story_draft_create(story=story, by=None)
        self.assertEqual(article.status, Article.Status.DRAFT)
        self.assertEqual(article.credits, ["Reuters", "AFP"])
        self.assertEqual(article.headline, "Thousands flee as Danube floods")  # the fullest text
        self.assertIn("More detail follows", article.body)
        self.assertEqual(set(article.wire_items.values_list("guid", flat=True)), {"r1", "a1"})
        self.assertEqual(story_draft(story), article)

    def test_a_source_without_a_credit_is_credited_by_name(self):
        source = SourceFactory(name="City Desk")
        wire_item_store(source=source, entry=entry("c1", text=RATES, title="Rates"))
        article = story_draft_create(story=Story.objects.get(), by=None)
        self.assertEqual(article.source_credits, "City Desk")

    def test_the_draft_body_is_the_sanitized_html(self):
        source = SourceFactory()
        wire_item_store(source=source, entry=entry("x", html="<p>ok</p><script>x()</script>"))
        article = story_draft_create(story=Story.objects.get(), by=None)
        self.assertEqual(article.body, "<p>ok</p>")


class WireDeskAdminTests(TestCase):
    def setUp(self):
        # The wire desk is the editors' (docs/wire-desk.md): the Editor role, not a superuser.
        self.editor = get_user_model().objects.create_user(
            "ed", "ed@example.org", "pw", is_staff=True
        )
        self.editor.groups.add(Group.objects.get(name=roles.EDITOR))
        self.client.force_login(self.editor)

    def test_the_desk_lists_stories_newest_first_with_their_items(self):
        story = two_agency_story()
        other = SourceFactory(name="Business Wire")
        wire_item_store(
            source=other, entry=entry("b1", text=RATES, title="Rates held", published_at=None)
        )
        response = self.client.get(reverse("admin:ingest_story_changelist"))
        self.assertEqual(response.status_code, 200)
        content = response.content.decode()
        self.assertLess(content.index("Rates held"), content.index("Danube floods"))
        self.assertIn("Wire One: Danube floods", content)
        self.assertIn("Agence Two: Thousands flee as Danube floods", content)
        self.assertIn(reverse("admin:ingest_story_draft", args=[story.pk]), content)

    def test_the_desk_filters_by_source_and_searches(self):
        two_agency_story()
        other = SourceFactory(name="Business Wire")
        wire_item_store(source=other, entry=entry("b1", text=RATES, title="Rates held"))
        url = reverse("admin:ingest_story_changelist")
        content = self.client.get(url, {"source": other.pk}).content.decode()
        self.assertIn("Rates held", content)
        self.assertNotIn("Danube floods", content)
        content = self.client.get(url, {"q": "thousands flee"}).content.decode()
        self.assertIn("Danube floods", content)
        self.assertNotIn("Rates held", content)

    def test_the_desk_page_queries_do_not_grow_with_the_number_of_stories(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        url = reverse("admin:ingest_story_changelist")
        self.client.get(url)  # warms the per-process caches (content types, permissions)

        def queries_with(n_stories):
            for n in range(n_stories):
                source = SourceFactory()
                wire_item_store(
                    source=source,
                    entry=entry(f"g{n}", title=f"Story {n}", text=f"{RATES} {n} " * (n + 1)),
                )
            with CaptureQueriesContext(connection) as ctx:
                self.assertEqual(self.client.get(url).status_code, 200)
            return len(ctx)

        self.assertEqual(queries_with(2), queries_with(6))

    def test_the_draft_button_makes_a_draft_and_opens_it(self):
        story = two_agency_story()
        page = self.client.get(reverse("admin:ingest_story_change", args=[story.pk]))
        self.assertContains(page, "Create a draft from this story")
        response = self.client.post(reverse("admin:ingest_story_draft", args=[story.pk]))
        article = Article.objects.get()
        self.assertRedirects(response, reverse("admin:articles_article_change", args=[article.pk]))
        self.assertEqual(article.source_credits, "Reuters, AFP")
        # Pressing it again opens the same draft rather than making a second one.
        self.client.post(reverse("admin:ingest_story_draft", args=[story.pk]))
        self.assertEqual(Article.objects.count(), 1)

    def test_the_draft_action_on_selected_items(self):
        two_agency_story()
        ids = list(WireItem.objects.values_list("pk", flat=True))
        self.client.post(
            reverse("admin:ingest_wireitem_changelist"),
            {"action": "create_draft", "_selected_action": ids},
        )
        article = Article.objects.get()
        self.assertEqual(article.wire_items.count(), 2)

    def test_an_editor_without_article_rights_cannot_make_drafts(self):
        story = two_agency_story()
        user = get_user_model().objects.create_user("reader", password="pw", is_staff=True)
        self.client.force_login(user)
        response = self.client.post(reverse("admin:ingest_story_draft", args=[story.pk]))
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Article.objects.exists())

    def test_source_health_is_shown(self):
        SourceFactory(
            name="Sick",
            consecutive_failures=3,
            last_error="The server answered 500",
            last_polled_at="2021-04-14T03:00:00Z",
        )
        content = self.client.get(reverse("admin:ingest_source_changelist")).content.decode()
        self.assertIn("failing (3×)</strong>: The server answered 500", content)

    def test_only_superusers_may_allow_private_networks(self):
        from django.contrib.auth.models import Permission

        user = get_user_model().objects.create_user("desk", password="pw", is_staff=True)
        user.user_permissions.add(
            *Permission.objects.filter(codename__in=["view_source", "change_source"])
        )
        self.client.force_login(user)
        source = SourceFactory()
        page = self.client.get(reverse("admin:ingest_source_change", args=[source.pk]))
        self.assertNotContains(page, 'name="allow_private_network"')
