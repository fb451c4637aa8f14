"""ingest_index_archive runs alone: a second run while the first still signs returns at once."""

from django.test import TestCase

from newsdesk.articles.tests.factories import ArticleFactory
from newsdesk.core.tasks import run_alone
from newsdesk.ingest.models import ArticleSignature
from newsdesk.ingest.tasks import ingest_index_archive


class IndexArchiveAloneTests(TestCase):
    def test_a_run_while_another_holds_the_archive_signs_nothing_and_the_next_signs_all(self):
        ArticleFactory.create_batch(3)
        with run_alone("ingest_index_archive") as alone:
            self.assertTrue(alone)
            with run_alone("ingest_index_archive") as second:
                self.assertFalse(second)  # the same name is held
            self.assertEqual(ingest_index_archive.call(), 0)
            self.assertFalse(ArticleSignature.objects.exists())
        self.assertEqual(ingest_index_archive.call(), 3)  # released: the next run signs them
        self.assertEqual(ArticleSignature.objects.count(), 3)
