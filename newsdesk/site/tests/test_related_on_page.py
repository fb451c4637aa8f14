"""The article page lists the related stories stored when stories were published."""

import lxml.html
from django.test import TestCase

from newsdesk.articles.tests.factories import ArticleFactory, SectionFactory
from newsdesk.search.services import related_refresh


class RelatedOnPageTests(TestCase):
    def test_related_stories_stored_at_publication_are_listed(self):
        section = SectionFactory(name="World")
        article = ArticleFactory(headline="Peace talks in Doha", section=section)
        talks = ArticleFactory(headline="Peace talks continue", section=section)
        related_refresh(article_id=talks.pk)  # what its publication's side effects do
        document = lxml.html.fromstring(self.client.get(article.get_absolute_url()).content)
        self.assertEqual(
            document.xpath('//section[@class="related"]//a/text()'), ["Peace talks continue"]
        )
