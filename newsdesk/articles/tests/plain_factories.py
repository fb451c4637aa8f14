"""The articles app's factories, with the plain stories that search, feeds, sitemaps and the API
read: no section, no summary, a body without sub-headings, News IDs given by the model."""

import factory

from newsdesk.articles.tests import factories as articles

AuthorFactory = articles.AuthorFactory
SectionFactory = articles.SectionFactory


class KeywordFactory(articles.KeywordFactory):
    name = factory.Sequence(lambda n: f"Keyword {n}")


class ArticleFactory(articles.ArticleFactory):
    news_id = None
    headline = factory.Sequence(lambda n: f"Story number {n}")
    summary = ""
    body = "<p>Plain words of the story.</p>"
    section = None
