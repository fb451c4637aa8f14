from django.db import connection
from django.test import TestCase

from newsdesk.articles.tests.plain_factories import ArticleFactory

from ..backends import backend_for
from ..query import parse_query
from ..selectors import search_articles


class IndexRepairTests(TestCase):
    def test_lost_triggers_are_put_back_and_the_index_rebuilt(self):
        backend = backend_for(connection)
        backend.suspend(connection)  # as a rebuilt articles table would leave it on SQLite
        ArticleFactory(headline="Written while the triggers were gone")
        backend.ensure_installed(connection)
        self.assertEqual(
            [h.article.headline for h in search_articles(query=parse_query("triggers")).hits],
            ["Written while the triggers were gone"],
        )
        ArticleFactory(headline="Written after the repair")
        self.assertEqual(len(search_articles(query=parse_query("written")).hits), 2)
