"""Related lists on the pages readers get, through the origin's page cache: a story that comes
out or is withdrawn changes its neighbours' pages at the next request, and no other page."""

from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import TestCase

from newsdesk.articles.services import article_publish, article_unpublish
from newsdesk.articles.tests.plain_factories import ArticleFactory, KeywordFactory
from newsdesk.core import pagecache
from newsdesk.core.pagecache import PageCache
from newsdesk.core.tests.wsgi import wsgi_get

from ..services import related_rebuild

APP = PageCache(get_wsgi_application())


def kept(path: str) -> bool:
    return wsgi_get(APP, path).header("X-Page-Cache") == "hit"


class RelatedPagesTests(TestCase):
    def setUp(self):
        # As Django's test client does: a request must not close the connection
        # that holds the test's transaction (PostgreSQL would lose it).
        for signal in (request_started, request_finished):
            signal.disconnect(close_old_connections)
            self.addCleanup(signal.connect, close_old_connections)
        caches[pagecache.CACHE_ALIAS].clear()
        harbour = KeywordFactory(name="Harbour")
        self.dredging = ArticleFactory(headline="Harbour dredging starts", keywords=[harbour])
        self.fees = ArticleFactory(headline="Harbour fees rise", keywords=[harbour])
        self.football = ArticleFactory(headline="Football final tonight")
        self.ferry = ArticleFactory(
            headline="Harbour ferry returns", keywords=[harbour], draft=True
        )
        related_rebuild()
        for article in (self.dredging, self.fees, self.football):
            self.assertEqual(wsgi_get(APP, article.get_absolute_url()).status, 200)
            self.assertTrue(kept(article.get_absolute_url()))

    def test_a_published_story_shows_at_once_on_its_neighbours_pages_and_nowhere_else(self):
        self.assertNotIn(b"Harbour ferry returns", wsgi_get(APP, self.fees.get_absolute_url()).body)
        with self.captureOnCommitCallbacks(execute=True):
            article_publish(article=self.ferry, by=None)
        for neighbour in (self.dredging, self.fees):
            page = wsgi_get(APP, neighbour.get_absolute_url())
            self.assertNotEqual(page.header("X-Page-Cache"), "hit")
            self.assertIn(b"Harbour ferry returns", page.body)
        self.assertTrue(kept(self.football.get_absolute_url()))

    def test_a_withdrawn_story_leaves_its_neighbours_pages_at_once(self):
        self.assertIn(b"Harbour fees rise", wsgi_get(APP, self.dredging.get_absolute_url()).body)
        with self.captureOnCommitCallbacks(execute=True):
            article_unpublish(article=self.fees, by=None)
        self.assertNotIn(b"Harbour fees rise", wsgi_get(APP, self.dredging.get_absolute_url()).body)
        self.assertTrue(kept(self.football.get_absolute_url()))
