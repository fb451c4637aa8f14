from django.core.cache import cache
from django.test import TestCase

from newsdesk.articles.models import Article
from newsdesk.articles.services import article_unpublish
from newsdesk.articles.tests.plain_factories import ArticleFactory, KeywordFactory

from ..selectors import RELATED_ID_WINDOW, related_articles


def related(article):
    article = Article.objects.for_page().get(pk=article.pk)
    return [story.headline for story in related_articles(article=article)]


class RelatedStoriesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.glacier = KeywordFactory(name="Glacier")
        cls.story = ArticleFactory(
            headline="Alpine glacier retreats faster", keywords=[cls.glacier]
        )
        ArticleFactory(headline="Ski resorts worry", keywords=[cls.glacier])
        ArticleFactory(headline="Glacier retreats measured by satellites")
        ArticleFactory(headline="Football final tonight")

    def test_shared_keywords_and_headline_words_make_a_story_related(self):
        self.assertEqual(
            set(related(self.story)),
            {"Ski resorts worry", "Glacier retreats measured by satellites"},
        )

    def test_more_shared_words_rank_higher(self):
        self.assertEqual(related(self.story)[0], "Glacier retreats measured by satellites")

    def test_drafts_and_withdrawn_stories_never_show(self):
        ArticleFactory(
            headline="Glacier draft", status=Article.Status.DRAFT, keywords=[self.glacier]
        )
        self.assertNotIn("Glacier draft", related(self.story))
        withdrawn = Article.objects.get(headline="Ski resorts worry")
        article_unpublish(article=withdrawn, by=None)
        cache.clear()
        self.assertNotIn("Ski resorts worry", related(self.story))

    def test_three_queries_when_computed_none_when_cached(self):
        article = Article.objects.for_page().prefetch_related("keywords").get(pk=self.story.pk)
        cache.clear()
        with self.assertNumQueries(3):  # shared keywords, headline words, the stories
            related_articles(article=article)
        with self.assertNumQueries(0):
            related_articles(article=article)

    def test_stories_far_away_in_the_archive_are_not_read(self):
        far = ArticleFactory(headline="Glacier retreats again")
        Article.objects.filter(pk=far.pk).update(id=self.story.pk + RELATED_ID_WINDOW + 10)
        self.assertNotIn("Glacier retreats again", related(self.story))

    def test_cached_lists_follow_the_content_generation(self):
        from newsdesk.core.purge import content_changed

        self.assertIn("Ski resorts worry", related(self.story))
        Article.objects.filter(headline="Ski resorts worry").update(status=Article.Status.DRAFT)
        content_changed(paths=[])
        self.assertNotIn("Ski resorts worry", related(self.story))

    def test_after_a_content_change_one_query_reads_the_kept_ranking(self):
        from newsdesk.core.purge import content_changed

        article = Article.objects.for_page().prefetch_related("keywords").get(pk=self.story.pk)
        cache.clear()
        first = related_articles(article=article)
        content_changed(paths=[])
        with self.assertNumQueries(1):  # which of the ranked stories readers may still see
            again = related_articles(article=article)
        self.assertEqual(again, first)

    def test_a_corrected_headline_shows_after_the_content_change(self):
        from newsdesk.core.purge import content_changed

        self.assertIn("Ski resorts worry", related(self.story))
        Article.objects.filter(headline="Ski resorts worry").update(
            headline="Ski resorts worry about snow"
        )
        content_changed(paths=[])
        self.assertIn("Ski resorts worry about snow", related(self.story))
