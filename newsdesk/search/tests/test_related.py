"""Related stories: ranked when stories change (services.related_refresh), stored, and read in
one query that shows only what readers may see at that moment."""

from datetime import UTC, datetime, timedelta

import time_machine
from django.test import TestCase
from django.utils import timezone

from newsdesk.articles.keys import article_key, related_key
from newsdesk.articles.models import Article
from newsdesk.articles.services import article_publish, article_unpublish
from newsdesk.articles.tasks import article_effects_run
from newsdesk.articles.tests.plain_factories import ArticleFactory, KeywordFactory
from newsdesk.core.surrogate import collecting

from ..models import RelatedStory
from ..selectors import related_articles
from ..services import RELATED_ID_WINDOW, RELATED_KEPT, related_rebuild, related_refresh

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TWO_PM = NOON + timedelta(hours=2)


def headlines(article: Article) -> list[str]:
    return [link.headline for link in related_articles(article=article)]


def stored(article: Article) -> list[int]:
    rows = RelatedStory.objects.filter(article=article).order_by("rank")
    return list(rows.values_list("related_id", flat=True))


def news_ids(*articles: Article) -> list[int]:
    return sorted(article.news_id for article in articles)


class RankingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.glacier = KeywordFactory(name="Glacier")
        cls.story = ArticleFactory(
            headline="Alpine glacier retreats faster", keywords=[cls.glacier]
        )
        cls.ski = ArticleFactory(headline="Ski resorts worry", keywords=[cls.glacier])
        cls.satellites = ArticleFactory(headline="Glacier retreats measured by satellites")
        cls.football = ArticleFactory(headline="Football final tonight")

    def test_shared_keywords_and_headline_words_make_a_story_related(self):
        related_refresh(article_id=self.story.pk)
        self.assertEqual(
            set(headlines(self.story)),
            {"Ski resorts worry", "Glacier retreats measured by satellites"},
        )

    def test_more_shared_words_rank_higher(self):
        related_refresh(article_id=self.story.pk)
        self.assertEqual(headlines(self.story)[0], "Glacier retreats measured by satellites")

    def test_drafts_and_stories_to_come_are_never_ranked(self):
        ArticleFactory(headline="Glacier draft", draft=True, keywords=[self.glacier])
        ArticleFactory(
            headline="Glacier scheduled",
            published_at=NOON + timedelta(days=3650),
            keywords=[self.glacier],
        )
        related_refresh(article_id=self.story.pk)
        self.assertEqual(set(stored(self.story)), {self.ski.pk, self.satellites.pk})

    def test_stories_far_away_in_the_archive_are_not_read(self):
        far = ArticleFactory(headline="Glacier retreats again")
        Article.objects.filter(pk=far.pk).update(id=self.story.pk + RELATED_ID_WINDOW + 10)
        related_refresh(article_id=self.story.pk)
        self.assertNotIn("Glacier retreats again", headlines(self.story))

    def test_a_few_more_than_shown_are_kept(self):
        for n in range(RELATED_KEPT + 3):
            ArticleFactory(headline=f"Glacier retreats, report {n}", keywords=[self.glacier])
        related_refresh(article_id=self.story.pk)
        self.assertEqual(len(stored(self.story)), RELATED_KEPT)
        self.assertEqual(len(headlines(self.story)), 5)

    def test_an_archive_ranked_in_batches_gets_the_lists_one_refresh_gives(self):
        for article in Article.objects.all():
            related_refresh(article_id=article.pk)
        one_by_one = {article.pk: stored(article) for article in Article.objects.all()}
        RelatedStory.objects.all().delete()
        progress = []
        count = related_rebuild(batch_size=3, on_batch=lambda done, total: progress.append(done))
        self.assertEqual(count, 4)
        self.assertEqual(progress, [3, 4])
        self.assertEqual({pk: stored(Article(pk=pk)) for pk in one_by_one}, one_by_one)

    def test_ranges_ranked_apart_give_the_lists_of_one_rebuild(self):
        related_rebuild()
        whole = {article.pk: stored(article) for article in Article.objects.all()}
        RelatedStory.objects.all().delete()
        ids = sorted(whole)
        middle = ids[len(ids) // 2]
        self.assertEqual(related_rebuild(to_id=middle), ids.index(middle) + 1)
        self.assertEqual(related_rebuild(from_id=middle + 1), len(ids) - ids.index(middle) - 1)
        self.assertEqual({pk: stored(Article(pk=pk)) for pk in whole}, whole)


class ReadingTests(TestCase):
    """What the article page reads: the stored list, checked against what readers see now."""

    @classmethod
    def setUpTestData(cls):
        cls.harbour = KeywordFactory(name="Harbour")
        cls.story = ArticleFactory(headline="Harbour dredging starts", keywords=[cls.harbour])
        cls.first = ArticleFactory(headline="Harbour dredging delayed", keywords=[cls.harbour])
        cls.second = ArticleFactory(headline="Harbour fees rise", keywords=[cls.harbour])
        related_refresh(article_id=cls.story.pk)

    def test_one_query_reads_the_list_and_nothing_is_ranked(self):
        article = Article.objects.get(pk=self.story.pk)
        with self.assertNumQueries(1):
            links = related_articles(article=article)
        self.assertEqual([link.pk for link in links], [self.first.pk, self.second.pk])

    def test_an_unpublished_story_leaves_every_list_at_once(self):
        Article.objects.filter(pk=self.first.pk).update(status=Article.Status.UNPUBLISHED)
        self.assertIn(self.first.pk, stored(self.story))  # not refreshed yet
        self.assertEqual(headlines(self.story), ["Harbour fees rise"])

    def test_a_story_put_under_embargo_never_shows_whatever_is_stored(self):
        lift = timezone.now() + timedelta(hours=2)
        Article.objects.filter(pk=self.first.pk).update(embargo_until=lift)
        with time_machine.travel(lift - timedelta(seconds=1), tick=False):
            self.assertEqual(headlines(self.story), ["Harbour fees rise"])
        with time_machine.travel(lift, tick=False):
            self.assertEqual(
                headlines(self.story), ["Harbour dredging delayed", "Harbour fees rise"]
            )

    def test_whatever_is_stored_only_what_readers_may_see_shows(self):
        now = timezone.now()
        states = {
            "draft": {"status": Article.Status.DRAFT},
            "in review": {"status": Article.Status.REVIEW},
            "unpublished": {"status": Article.Status.UNPUBLISHED},
            "scheduled": {"published_at": now + timedelta(minutes=5)},
            "embargoed": {"embargo_until": now + timedelta(minutes=5)},
            "lifted": {"embargo_until": now - timedelta(minutes=5)},
            "published": {},
        }
        stories = [ArticleFactory(headline=name, **fields) for name, fields in states.items()]
        RelatedStory.objects.filter(article=self.story).delete()
        RelatedStory.objects.bulk_create(
            RelatedStory(article=self.story, related=story, rank=rank)
            for rank, story in enumerate(stories)
        )
        visible = Article.objects.published().filter(pk__in=[s.pk for s in stories])
        self.assertEqual(headlines(self.story), ["lifted", "published"])
        self.assertEqual(
            set(headlines(self.story)), set(visible.values_list("headline", flat=True))
        )

    def test_a_corrected_headline_shows_at_once(self):
        Article.objects.filter(pk=self.second.pk).update(headline="Harbour fees rise by a third")
        self.assertIn("Harbour fees rise by a third", headlines(self.story))

    def test_each_link_names_the_story_it_shows_for_the_page_purges(self):
        with collecting() as keys:
            links = related_articles(article=self.story)
        # Each story it shows, and the list itself (a new ranking purges the page, nothing else).
        self.assertEqual(
            keys,
            {
                article_key(self.first.news_id),
                article_key(self.second.news_id),
                related_key(self.story.news_id),
            },
        )
        self.assertEqual(links[0].get_absolute_url(), self.first.get_absolute_url())
        self.assertEqual(links[0].published_at, self.first.published_at)


class RefreshTests(TestCase):
    """related_refresh names the pages whose lists changed, for the task to purge."""

    @classmethod
    def setUpTestData(cls):
        cls.harbour = KeywordFactory(name="Harbour")
        cls.dredging = ArticleFactory(headline="Harbour dredging starts", keywords=[cls.harbour])
        cls.fees = ArticleFactory(headline="Harbour fees rise", keywords=[cls.harbour])
        cls.football = ArticleFactory(headline="Football final tonight")
        related_rebuild()

    def test_a_new_story_enters_its_neighbours_lists_and_their_pages_are_named(self):
        ferry = ArticleFactory(headline="Harbour ferry returns", keywords=[self.harbour])
        self.assertEqual(
            related_refresh(article_id=ferry.pk), news_ids(ferry, self.dredging, self.fees)
        )
        self.assertEqual(set(stored(ferry)), {self.dredging.pk, self.fees.pk})
        self.assertIn(ferry.pk, stored(self.dredging))
        self.assertIn(ferry.pk, stored(self.fees))
        self.assertEqual(stored(self.football), [])

    def test_a_second_refresh_changes_nothing(self):
        ferry = ArticleFactory(headline="Harbour ferry returns", keywords=[self.harbour])
        related_refresh(article_id=ferry.pk)
        self.assertEqual(related_refresh(article_id=ferry.pk), news_ids(self.dredging, self.fees))
        # ... named again only because the ferry is on their pages (it may just have come out);
        # a story with nothing in common changes no page at all:
        self.assertEqual(related_refresh(article_id=self.football.pk), [])

    def test_a_withdrawn_story_is_taken_out_of_the_lists_that_held_it(self):
        Article.objects.filter(pk=self.fees.pk).update(status=Article.Status.UNPUBLISHED)
        self.assertEqual(
            related_refresh(article_id=self.fees.pk), news_ids(self.fees, self.dredging)
        )
        self.assertEqual(stored(self.fees), [])
        self.assertEqual(stored(self.dredging), [])

    def test_the_task_purges_the_pages_whose_lists_changed_and_not_the_lists_showing_them(self):
        from newsdesk.core import pagecache

        from ..tasks import related_refresh_task

        ferry = ArticleFactory(headline="Harbour ferry returns", keywords=[self.harbour])
        mark = pagecache.marks().mark()
        with self.captureOnCommitCallbacks(execute=True):
            related_refresh_task.call(article_id=ferry.pk)
        marks = pagecache.marks()
        for story in (ferry, self.dredging, self.fees):
            self.assertTrue(marks.purged_since([related_key(story.news_id)], mark))
            # The home page and the other lists that show these stories keep their copies.
            self.assertFalse(marks.purged_since([article_key(story.news_id)], mark))
        self.assertFalse(marks.purged_since([related_key(self.football.news_id)], mark))

    def test_a_deleted_story_changes_no_list_of_its_own(self):
        pk = self.fees.pk
        self.fees.delete()
        self.assertEqual(related_refresh(article_id=pk), [])


class EffectsTests(TestCase):
    """Through the publishing services and their side effects, on a frozen clock."""

    def setUp(self):
        self.harbour = KeywordFactory(name="Harbour")
        with time_machine.travel(NOON - timedelta(days=1), tick=False):
            self.dredging = ArticleFactory(
                headline="Harbour dredging starts", keywords=[self.harbour]
            )
            self.fees = ArticleFactory(headline="Harbour fees rise", keywords=[self.harbour])
            related_rebuild()

    def all_lists(self) -> list[str]:
        return [h for article in Article.objects.published() for h in headlines(article)]

    def test_an_embargoed_story_is_in_no_list_before_its_lift_and_in_its_neighbours_after(self):
        with time_machine.travel(NOON, tick=False):
            ferry = ArticleFactory(
                headline="Harbour ferry returns",
                keywords=[self.harbour],
                published_at=NOON - timedelta(hours=1),
                embargo_until=TWO_PM,
            )
            self.assertEqual(article_effects_run.call(article_id=ferry.pk), "not yet")
            # Whatever else changes meanwhile ranks the lists again without it.
            related_refresh(article_id=self.dredging.pk)
            related_refresh(article_id=ferry.pk)
            self.assertNotIn("Harbour ferry returns", self.all_lists())
            self.assertEqual(stored(ferry), [])
            self.assertFalse(RelatedStory.objects.filter(related=ferry).exists())
        with time_machine.travel(TWO_PM - timedelta(seconds=1), tick=False):
            self.assertNotIn("Harbour ferry returns", self.all_lists())
        with time_machine.travel(TWO_PM, tick=False):
            self.assertEqual(article_effects_run.call(article_id=ferry.pk), "done")
            self.assertIn("Harbour ferry returns", headlines(self.dredging))
            self.assertIn("Harbour ferry returns", headlines(self.fees))
            self.assertEqual(
                set(headlines(ferry)), {"Harbour dredging starts", "Harbour fees rise"}
            )

    def test_a_published_story_is_listed_by_its_neighbours_once_its_effects_run(self):
        with time_machine.travel(NOON, tick=False), self.captureOnCommitCallbacks(execute=True):
            ferry = ArticleFactory(
                headline="Harbour ferry returns", keywords=[self.harbour], draft=True
            )
            article_publish(article=ferry, by=None)
        with time_machine.travel(NOON, tick=False):
            self.assertIn("Harbour ferry returns", headlines(self.dredging))

    def test_an_unpublished_story_leaves_every_list_and_its_neighbours_are_ranked_again(self):
        with time_machine.travel(NOON, tick=False):
            self.assertIn("Harbour fees rise", headlines(self.dredging))
            with self.captureOnCommitCallbacks(execute=True):
                article_unpublish(article=self.fees, by=None)
            self.assertNotIn("Harbour fees rise", self.all_lists())
            self.assertEqual(stored(self.dredging), [])
            self.assertEqual(stored(self.fees), [])
