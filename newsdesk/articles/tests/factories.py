"""Factories for the articles app (factory_boy)."""

from datetime import UTC, datetime, timedelta

import factory
from django.utils import timezone

from newsdesk.articles.models import Article, Author, Keyword, Section


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.Sequence(lambda n: f"section-{n}")


class KeywordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Keyword

    name = factory.Sequence(lambda n: f"keyword {n}")
    slug = factory.Sequence(lambda n: f"keyword-{n}")


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"Author {n}")
    slug = factory.Sequence(lambda n: f"author-{n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    """A published article; `draft=True` or a future `published_at` hides it from readers."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    class Params:
        draft = factory.Trait(status=Article.Status.DRAFT)

    news_id = factory.Sequence(lambda n: 500_000 + n)
    headline = factory.Sequence(lambda n: f"Harbour council approves plan number {n}")
    summary = "A short summary of the story."
    body = "<p>First paragraph of the story.</p>\n<h2>A sub-heading</h2>\n<p>Second paragraph.</p>"
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    section = factory.SubFactory(SectionFactory)

    @factory.post_generation
    def keywords(self, create, extracted, **kwargs):
        if create and extracted:
            self.keywords.set(extracted)

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        if create and extracted:
            self.authors.set(extracted)


REFERENCE_TIME = datetime(2021, 4, 14, 1, 40, tzinfo=UTC)
