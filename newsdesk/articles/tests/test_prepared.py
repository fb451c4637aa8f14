"""PreparedQuery: a QuerySet compiled once gives what the ORM gives, for every parameter."""

from django.db.models import Q
from django.test import TestCase

from newsdesk.articles.models import Article
from newsdesk.articles.tests.factories import ArticleFactory
from newsdesk.core.prepared import PreparedQuery

FIELDS = ("id", "headline", "published_at", "section__name", "comment_settings__mode")


def by_news_id(news_id):
    return Article.objects.filter(news_id=news_id).order_by().values_list(*FIELDS)


class PreparedQueryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.articles = [ArticleFactory(headline=f"Story {n}") for n in range(3)]

    def test_rows_are_the_orms_rows_for_each_parameter(self):
        prepared = PreparedQuery(by_news_id)
        for article in self.articles:
            with self.subTest(news_id=article.news_id):
                self.assertEqual(
                    [tuple(row) for row in prepared.rows(article.news_id)],
                    list(by_news_id(article.news_id)),
                )
        # Times come back as the ORM gives them: aware, in UTC.
        self.assertIsNotNone(prepared.rows(self.articles[0].news_id)[0][2].tzinfo)

    def test_no_row_for_an_unknown_parameter(self):
        self.assertEqual(PreparedQuery(by_news_id).rows(123_456_789), [])

    def test_two_parameters_each_go_to_their_place(self):
        first, _, last = self.articles
        prepared = PreparedQuery(
            lambda low, high: (
                Article.objects.filter(news_id__gte=low, news_id__lte=high)
                .order_by("news_id")
                .values_list("news_id", flat=True)
            )
        )
        self.assertEqual(
            [row[0] for row in prepared.rows(first.news_id, last.news_id)],
            sorted(a.news_id for a in self.articles),
        )
        self.assertEqual(prepared.rows(last.news_id, first.news_id), [])

    def test_a_parameter_used_twice_goes_to_both_places(self):
        first, second, _ = self.articles
        Article.objects.filter(pk=second.pk).update(translation_of=first)

        def group(root):
            return (
                Article.objects.filter(Q(pk=root) | Q(translation_of_id=root))
                .order_by("id")
                .values_list("id", flat=True)
            )

        prepared = PreparedQuery(group)
        self.assertEqual([row[0] for row in prepared.rows(first.pk)], list(group(first.pk)))
        self.assertEqual([row[0] for row in prepared.rows(first.pk)], [first.pk, second.pk])

    def test_a_parameter_that_does_not_reach_the_sql_is_refused(self):
        with self.assertRaises(ValueError):
            PreparedQuery(lambda pk: Article.objects.values_list("id")).rows(1)

    def test_only_integers_are_taken(self):
        with self.assertRaises(TypeError):
            PreparedQuery(by_news_id).rows("1 OR 1=1")


class ModelFieldsTests(TestCase):
    def test_rows_become_instances_whatever_order_the_fields_were_named_in(self):
        from newsdesk.core.prepared import instances, model_fields

        story = ArticleFactory(headline="The headline", slug="the-slug")
        fields = model_fields(Article, "slug", "headline", "id")
        self.assertEqual(fields, ("id", "headline", "slug"))  # the model's order
        prepared = PreparedQuery(lambda pk: Article.objects.filter(pk=pk).values_list(*fields))
        [built] = instances(Article, fields, prepared.rows(story.pk))
        self.assertEqual(
            (built.pk, built.headline, built.slug), (story.pk, "The headline", "the-slug")
        )
        with self.assertRaises(ValueError):
            model_fields(Article, "headline", "no_such_field")
