"""News IDs: one number per story, however many editors save at the same moment."""

import sqlite3
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from django.db import connection, connections, transaction
from django.test import TestCase, TransactionTestCase

from newsdesk.articles.models import Article
from newsdesk.articles.services import article_save

THREADS, EACH = 6, 10
COUNT = "SELECT COUNT(*), COUNT(DISTINCT news_id) FROM articles_article"


@contextmanager
def database_for_threads():
    """Where the threads save, and a function counting the articles and News IDs there.

    PostgreSQL: the test database. SQLite: a file copy of the test database, which is in memory
    and shared between threads through SQLite's shared cache, whose table locks fail at once
    instead of waiting their turn; a file with the site's own options (WAL, IMMEDIATE
    transactions, a busy timeout) is what a site runs on."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():

        def count():
            with connection.cursor() as cursor:
                cursor.execute(COUNT)
                return cursor.fetchone()

        yield count
        return
    path = Path(tempfile.mkdtemp(prefix="newsdesk-race-")) / "race.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as copy:
        connection.connection.backup(copy)
    # New connections (each thread's) open the file; this thread's stays on the memory database.
    with mock.patch.dict(connections.settings["default"], {"NAME": str(path)}):
        yield lambda: tuple(sqlite3.connect(path).execute(COUNT).fetchone())


class ConcurrentNewsIdTests(TransactionTestCase):
    def test_concurrent_saves_get_distinct_news_ids_without_an_error(self):
        """Half through the newsroom's service (in its transaction), half as a bare create in
        autocommit (as scripts do): all take their numbers from the one counter."""
        start = threading.Barrier(THREADS)
        ids, errors = [], []

        def editor(n: int):
            try:
                start.wait(10)
                for i in range(EACH):
                    if i % 2:
                        article = Article.objects.create(headline=f"Script {n}.{i}")
                    else:
                        article = article_save(article=Article(headline=f"Story {n}.{i}"), by=None)
                    ids.append(article.news_id)
            except Exception as error:  # noqa: BLE001 - reported below, with its thread
                errors.append(f"thread {n}: {type(error).__name__}: {error}")
            finally:
                connection.close()

        with database_for_threads() as count:
            threads = [threading.Thread(target=editor, args=(n,)) for n in range(THREADS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            stored = count()
        self.assertEqual(errors, [])
        self.assertEqual(sorted(ids), list(range(1, THREADS * EACH + 1)))
        self.assertEqual(stored, (THREADS * EACH, THREADS * EACH))


class NewsIdTests(TestCase):
    def test_a_new_story_is_numbered_above_an_imported_one(self):
        article_save(article=Article(headline="Imported", news_id=302156), by=None)
        self.assertEqual(article_save(article=Article(headline="New"), by=None).news_id, 302157)

    def test_a_failed_save_gives_its_number_back(self):
        first = article_save(article=Article(headline="First"), by=None).news_id
        with self.assertRaises(ValueError), transaction.atomic():
            Article(headline="Lost").save()
            raise ValueError("the editor's save failed after the insert")
        self.assertEqual(article_save(article=Article(headline="Next"), by=None).news_id, first + 1)
