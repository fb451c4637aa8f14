"""The SQLite write gate: writers of every thread and process take turns on a file lock."""

import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

from django.db import connection
from django.test import SimpleTestCase, TestCase

from newsdesk.articles.tests.factories import ArticleFactory
from newsdesk.captcha.challenges import challenge_issue
from newsdesk.comments.models import Comment
from newsdesk.comments.services import Submission, comment_submit
from newsdesk.core.writegate import file_gate, gate_path, sqlite_write_gate


def fake_connection(**overrides):
    values = {
        "vendor": "sqlite",
        "in_atomic_block": False,
        "memory": False,
        "settings_dict": {"NAME": "/data/newsdesk.sqlite3"},
        **overrides,
    }
    return SimpleNamespace(
        vendor=values["vendor"],
        in_atomic_block=values["in_atomic_block"],
        is_in_memory_db=lambda: values["memory"],
        settings_dict=values["settings_dict"],
    )


class GatePathTests(SimpleTestCase):
    def test_sqlite_file_outside_a_transaction_is_gated_beside_the_database(self):
        self.assertEqual(gate_path(fake_connection()), "/data/newsdesk.sqlite3.write-gate")

    def test_no_gate_inside_a_transaction_which_may_hold_the_write_lock_already(self):
        self.assertIsNone(gate_path(fake_connection(in_atomic_block=True)))

    def test_no_gate_for_postgresql_or_sqlite_in_memory(self):
        self.assertIsNone(gate_path(fake_connection(vendor="postgresql")))
        self.assertIsNone(gate_path(fake_connection(memory=True)))


class FileGateTests(SimpleTestCase):
    def setUp(self):
        self.path = str(Path(tempfile.mkdtemp()) / "db.write-gate")

    def test_a_second_writer_waits_until_the_first_lets_go(self):
        order = []
        inside, release = threading.Event(), threading.Event()

        def first():
            with file_gate(self.path):
                order.append("first in")
                inside.set()
                release.wait(5)
                order.append("first out")

        def second():
            inside.wait(5)
            with file_gate(self.path):
                order.append("second in")

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for t in threads:
            t.start()
        inside.wait(5)
        # The second thread is blocked in flock(); give it every chance to get in wrongly.
        threads[1].join(0.2)
        self.assertTrue(threads[1].is_alive())
        release.set()
        for t in threads:
            t.join(5)
        self.assertEqual(order, ["first in", "first out", "second in"])

    def test_re_entering_in_one_thread_does_not_wait_for_itself_nor_let_go_early(self):
        got_in = threading.Event()

        def other():
            with file_gate(self.path):
                got_in.set()

        with file_gate(self.path):
            with file_gate(self.path):
                pass
            thread = threading.Thread(target=other)
            thread.start()
            self.assertFalse(got_in.wait(0.2))  # still held after the inner block
        thread.join(5)
        self.assertTrue(got_in.is_set())


class SqliteWriteGateTests(TestCase):
    def test_inside_a_transaction_no_lock_is_taken(self):
        self.assertTrue(connection.in_atomic_block)  # the test's own transaction
        with mock.patch("newsdesk.core.writegate.fcntl.flock") as flock, sqlite_write_gate():
            pass
        flock.assert_not_called()


class GatedWritesTests(TestCase):
    def test_a_post_asks_for_the_gate_before_its_transaction_and_a_refresh_before_its_count(self):
        asked = []

        @contextmanager
        def recording_gate(using="default"):
            asked.append(using)
            yield

        article = ArticleFactory()
        with (
            mock.patch("newsdesk.comments.services.sqlite_write_gate", recording_gate),
            mock.patch("newsdesk.core.ratelimit.sqlite_write_gate", recording_gate),
        ):
            comment_submit(
                article=article,
                submission=Submission(name="Ada", email="ada@example.org", body="Fair."),
                challenge=challenge_issue(),
                ip_address="192.0.2.1",
            )
            self.assertEqual(len(asked), 3)  # the post; its counters; the notification claim
            self.client.get("/captcha/refresh/")
        self.assertEqual(len(asked), 4)
        self.assertTrue(Comment.objects.exists())
