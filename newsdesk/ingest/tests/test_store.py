from datetime import UTC, datetime

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from newsdesk.articles.models import Article
from newsdesk.articles.tests.factories import ArticleFactory
from newsdesk.ingest.models import LshBand, Story, WireItem, WireItemVersion
from newsdesk.ingest.store import Outcome, archive_index, wire_item_store, wire_items_store

from .factories import DANUBE, DANUBE_REWRITE, RATES, SourceFactory, entry


class WireItemStoreTests(TestCase):
    def setUp(self):
        self.source = SourceFactory()

    def test_storing_the_same_entry_twice_skips_the_second_time(self):
        item, first = wire_item_store(source=self.source, entry=entry())
        again, second = wire_item_store(source=self.source, entry=entry())
        self.assertEqual((first, second), (Outcome.CREATED, Outcome.SKIPPED))
        self.assertEqual(item.pk, again.pk)
        self.assertEqual(WireItem.objects.count(), 1)
        self.source.refresh_from_db()
        self.assertEqual(self.source.items_seen, 1)

    def test_a_changed_entry_updates_the_item_and_keeps_the_earlier_version(self):
        item, _ = wire_item_store(source=self.source, entry=entry(title="Danube floods"))
        item, outcome = wire_item_store(
            source=self.source, entry=entry(title="Danube floods: thousands flee")
        )
        self.assertEqual(outcome, Outcome.UPDATED)
        self.assertEqual((item.title, item.version), ("Danube floods: thousands flee", 2))
        old = WireItemVersion.objects.get(item=item)
        self.assertEqual((old.version, old.title), (1, "Danube floods"))
        self.assertEqual(WireItem.objects.count(), 1)

    def test_the_same_address_under_a_new_guid_is_the_same_item(self):
        url = "https://wire.example/a/1"
        wire_item_store(source=self.source, entry=entry("g1", url=url))
        item, outcome = wire_item_store(source=self.source, entry=entry("g2", url=url, title="X"))
        self.assertEqual(outcome, Outcome.UPDATED)
        self.assertEqual(WireItem.objects.count(), 1)
        self.assertEqual(item.guid, "g1")

    def test_an_address_already_sent_by_another_source_is_skipped(self):
        url = "https://wire.example/a/1"
        first, _ = wire_item_store(source=self.source, entry=entry("g1", url=url))
        other = SourceFactory()
        item, outcome = wire_item_store(source=other, entry=entry("x9", url=url, title="Other"))
        self.assertEqual(
            (outcome, item.pk, item.title), (Outcome.SKIPPED, first.pk, "Danube floods")
        )
        self.assertEqual(WireItem.objects.count(), 1)

    def test_html_from_outside_is_sanitized_before_it_is_stored(self):
        html = '<p onclick="steal()">Text</p><script>alert(1)</script><a href="javascript:x">l</a>'
        item, _ = wire_item_store(source=self.source, entry=entry(html=html))
        self.assertNotIn("script", item.body_html)
        self.assertNotIn("onclick", item.body_html)
        self.assertNotIn("javascript", item.body_html)
        self.assertIn("<p>Text</p>", item.body_html)

    def test_plain_text_is_escaped_into_paragraphs(self):
        item, _ = wire_item_store(
            source=self.source, entry=entry(text="A <b>bold</b> claim.\n\nSecond.")
        )
        self.assertEqual(item.body_html, "<p>A &lt;b&gt;bold&lt;/b&gt; claim.</p>\n<p>Second.</p>")


class GroupingTests(TestCase):
    def test_a_lightly_rewritten_story_from_another_source_joins_the_story(self):
        a, _ = wire_item_store(source=SourceFactory(), entry=entry("a", text=DANUBE))
        b, _ = wire_item_store(
            source=SourceFactory(),
            entry=entry(
                "b",
                title="Thousands flee as Danube floods",
                text=DANUBE_REWRITE,
                published_at=datetime(2021, 4, 14, 0, 30, tzinfo=UTC),
            ),
        )
        self.assertEqual(a.story_id, b.story_id)
        story = Story.objects.get()
        self.assertEqual(story.item_count, 2)
        self.assertEqual(story.latest_at, datetime(2021, 4, 14, 0, 30, tzinfo=UTC))

    def test_a_different_story_starts_its_own(self):
        a, _ = wire_item_store(source=SourceFactory(), entry=entry("a", text=DANUBE))
        b, _ = wire_item_store(source=SourceFactory(), entry=entry("b", text=RATES, title="Rates"))
        self.assertNotEqual(a.story_id, b.story_id)

    def test_bands_are_stored_in_the_database_for_every_process_to_query(self):
        item, _ = wire_item_store(source=SourceFactory(), entry=entry("a"))
        self.assertGreater(LshBand.objects.filter(item=item).count(), 10)

    def test_a_headline_alone_is_not_grouped(self):
        a, _ = wire_item_store(source=SourceFactory(), entry=entry("a", text="Storm hits."))
        b, _ = wire_item_store(source=SourceFactory(), entry=entry("b", text="Storm hits."))
        self.assertNotEqual(a.story_id, b.story_id)
        self.assertFalse(LshBand.objects.exists())

    def test_an_item_repeating_a_published_article_points_to_it(self):
        article = ArticleFactory(headline="Danube floods", body=f"<p>{DANUBE}</p>")
        self.assertEqual(archive_index(), 1)
        self.assertEqual(archive_index(), 0)  # nothing left to sign
        item, _ = wire_item_store(source=SourceFactory(), entry=entry("a", text=DANUBE_REWRITE))
        self.assertEqual(item.story.archive_article, article)

    def test_drafts_are_not_part_of_the_archive(self):
        ArticleFactory(
            headline="Danube floods", body=f"<p>{DANUBE}</p>", status=Article.Status.DRAFT
        )
        self.assertEqual(archive_index(), 0)

    def test_storing_an_item_makes_a_fixed_number_of_queries(self):
        source = SourceFactory()
        wire_item_store(source=source, entry=entry("a"))
        with self.assertNumQueries(10):
            wire_item_store(source=source, entry=entry("b", text=DANUBE_REWRITE))

    def test_a_batch_costs_a_fixed_number_of_queries_not_a_few_per_item(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        source = SourceFactory()
        wire_item_store(source=source, entry=entry("seed"))

        def batch(prefix, n):
            # One rewrite of the stored story, and n - 1 stories of their own.
            own = [
                entry(
                    f"{prefix}{i}",
                    title=f"Story {i}",
                    text=" ".join(f"{prefix}{i}w{j}" for j in range(30)),
                )
                for i in range(n - 1)
            ]
            return [entry(f"{prefix}-rewrite", text=DANUBE_REWRITE), *own]

        with self.assertNumQueries(11):
            wire_items_store(source=source, entries=batch("x", 2))
        # Bigger batches only add the INSERT statements SQLite needs for its variable limit.
        with CaptureQueriesContext(connection) as ctx:
            wire_items_store(source=source, entries=batch("y", 60))
        self.assertLess(len(ctx), 60 / 2)

    def test_rewrites_in_the_same_batch_join_one_story(self):
        results = wire_items_store(
            source=SourceFactory(),
            entries=[
                entry("a", text=DANUBE),
                entry("b", text=RATES, title="Rates"),
                entry("c", text=DANUBE_REWRITE, title="Thousands flee"),
            ],
        )
        a, b, c = (item for item, _ in results)
        self.assertEqual(a.story_id, c.story_id)
        self.assertNotEqual(a.story_id, b.story_id)
        self.assertEqual(Story.objects.get(pk=a.story_id).item_count, 2)

    def test_a_guid_sent_twice_in_one_feed_is_stored_once(self):
        results = wire_items_store(source=SourceFactory(), entries=[entry("a"), entry("a")])
        self.assertEqual([o for _, o in results], [Outcome.CREATED, Outcome.SKIPPED])
        self.assertEqual(WireItem.objects.count(), 1)


def own_story(n: int, *, prefix: str = "s", edit: str = "") -> str:
    # Forty words of its own, so that story n is like no other; `edit` changes its end.
    return " ".join(f"{prefix}{n}w{j}" for j in range(40)) + edit


class BatchQueryTests(TestCase):
    """A big feed costs queries per batch, not per item: what keeps ingest at its bench speed."""

    def stored(self, source, n: int, prefix: str):
        return wire_items_store(
            source=source,
            entries=[
                entry(f"{prefix}{i}", title=f"S{i}", text=own_story(i, prefix=prefix))
                for i in range(n)
            ],
        )

    def test_items_joining_many_earlier_stories_cost_the_same_queries_as_two(self):
        counts = []
        for n, prefix in ((2, "a"), (40, "b")):
            self.stored(SourceFactory(), n, prefix)
            rewrites = [
                entry(
                    f"{prefix}-again{i}",
                    title=f"S{i}",
                    text=own_story(i, prefix=prefix, edit=" more."),
                )
                for i in range(n)
            ]
            with CaptureQueriesContext(connection) as ctx:
                results = wire_items_store(source=SourceFactory(), entries=rewrites)
            self.assertEqual({o for _i, o in results}, {Outcome.CREATED})
            self.assertEqual(
                set(
                    Story.objects.filter(items__guid__startswith=prefix).values_list(
                        "item_count", flat=True
                    )
                ),
                {2},
            )
            counts.append(len(ctx))
        self.assertEqual(counts[0], counts[1])

    def test_changed_items_cost_the_same_queries_as_two(self):
        counts = []
        for n, prefix in ((2, "c"), (40, "d")):
            source = SourceFactory()
            self.stored(source, n, prefix)
            changed = [
                entry(
                    f"{prefix}{i}", title=f"S{i}", text=own_story(i, prefix=prefix, edit=" fixed.")
                )
                for i in range(n)
            ]
            with CaptureQueriesContext(connection) as ctx:
                results = wire_items_store(source=source, entries=changed)
            self.assertEqual({o for _i, o in results}, {Outcome.UPDATED})
            counts.append(len(ctx))
        self.assertEqual(counts[0], counts[1])
        item = WireItem.objects.get(guid="d7")
        self.assertEqual((item.version, item.text[-6:]), (2, "fixed."))
        self.assertEqual(item.versions.get().version, 1)
        self.assertEqual(LshBand.objects.filter(item=item).count(), 64)

    def test_items_joining_a_stored_story_through_each_other_are_all_counted(self):
        source = SourceFactory()
        wire_item_store(source=source, entry=entry("first", text=DANUBE))
        # The second is nearer the first of this batch than the stored item: it joins the
        # stored story through it, and the story must count both.
        wire_items_store(
            source=source,
            entries=[
                entry("a", text=DANUBE_REWRITE),
                entry("b", text=DANUBE_REWRITE + " Officials said more rain is due."),
            ],
        )
        story = Story.objects.get()
        self.assertEqual(story.item_count, 3)
        self.assertEqual(story.items.count(), 3)
