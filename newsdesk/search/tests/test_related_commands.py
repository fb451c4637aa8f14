"""How related lists come to be: the articles' effects, `newsdesk related-refresh`, bulk loads
and the demo content."""

import io

from django.core.management import CommandError, call_command
from django.test import TestCase

from newsdesk.articles import effects
from newsdesk.articles.models import Article
from newsdesk.articles.tests.plain_factories import ArticleFactory, KeywordFactory

from ..backends import index_suspended
from ..models import RelatedStory
from ..tasks import related_follow_up


def stored(article: Article) -> list[int]:
    rows = RelatedStory.objects.filter(article=article).order_by("rank")
    return list(rows.values_list("related_id", flat=True))


class RegistrationTests(TestCase):
    def test_the_search_app_follows_the_articles_effects(self):
        self.assertIn(related_follow_up, effects._follow_ups)


class RelatedRefreshCommandTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        harbour = KeywordFactory(name="Harbour")
        cls.dredging = ArticleFactory(headline="Harbour dredging starts", keywords=[harbour])
        cls.fees = ArticleFactory(headline="Harbour fees rise", keywords=[harbour])

    def test_all_ranks_every_article_with_progress(self):
        out = io.StringIO()
        call_command("related-refresh", "--all", "--batch-size", "1", stdout=out)
        self.assertEqual(stored(self.dredging), [self.fees.pk])
        self.assertEqual(stored(self.fees), [self.dredging.pk])
        self.assertIn("2 / 2 articles", out.getvalue())
        self.assertIn("ranked for 2 articles", out.getvalue())

    def test_news_ids_rank_those_articles_and_their_neighbours_and_name_the_pages(self):
        out = io.StringIO()
        call_command("related-refresh", str(self.dredging.news_id), stdout=out)
        self.assertEqual(stored(self.fees), [self.dredging.pk])
        self.assertIn("2 page(s) changed", out.getvalue())

    def test_an_id_range_ranks_only_the_articles_in_it(self):
        out = io.StringIO()
        pk = self.fees.pk
        call_command("related-refresh", "--all", "--from-id", pk, "--to-id", pk, stdout=out)
        self.assertEqual(stored(self.fees), [self.dredging.pk])
        self.assertEqual(stored(self.dredging), [])
        self.assertIn("ranked for 1 articles", out.getvalue())

    def test_a_range_that_is_not_one_is_refused_plainly(self):
        with self.assertRaisesMessage(CommandError, "--to-id must not be less"):
            call_command("related-refresh", "--all", "--from-id", 5, "--to-id", 4)
        with self.assertRaisesMessage(CommandError, "go with --all"):
            call_command("related-refresh", str(self.fees.news_id), "--from-id", 5)

    def test_unknown_news_ids_and_no_arguments_are_refused_plainly(self):
        with self.assertRaisesMessage(CommandError, "No article has the News ID 999999"):
            call_command("related-refresh", "999999", stdout=io.StringIO())
        with self.assertRaisesMessage(CommandError, "or --all"):
            call_command("related-refresh", stdout=io.StringIO())


class BulkLoadTests(TestCase):
    def test_a_bulk_load_leaves_the_lists_of_its_stories_and_their_neighbours(self):
        harbour = KeywordFactory(name="Harbour")
        before = ArticleFactory(headline="Harbour dredging starts", keywords=[harbour])
        with index_suspended():
            loaded = ArticleFactory(headline="Harbour fees rise", keywords=[harbour])
        self.assertEqual(stored(loaded), [before.pk])
        self.assertEqual(stored(before), [loaded.pk])

    def test_a_bulk_load_can_leave_the_ranking_to_its_caller(self):
        with index_suspended(related=False):
            ArticleFactory(headline="Harbour fees rise", keywords=[KeywordFactory(name="Harbour")])
        self.assertFalse(RelatedStory.objects.exists())

    def test_a_failed_bulk_load_ranks_nothing(self):
        with self.assertRaises(RuntimeError), index_suspended():
            ArticleFactory(headline="Harbour fees rise")
            raise RuntimeError("the load broke")
        self.assertFalse(RelatedStory.objects.exists())

    def test_synthetic_archives_come_with_their_lists(self):
        call_command("generate", articles=40, batch_size=15, stdout=io.StringIO())
        with_lists = RelatedStory.objects.values("article").distinct().count()
        self.assertEqual(with_lists, 40)

    def test_demo_stories_come_with_their_lists(self):
        call_command("demo", stdout=io.StringIO())
        self.assertTrue(RelatedStory.objects.exists())
        lists = RelatedStory.objects.values("article").distinct().count()
        self.assertGreater(lists, Article.objects.count() // 2)
