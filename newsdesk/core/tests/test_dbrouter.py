"""Reads from a replica, writes and read-your-own-writes on the primary (core/dbrouter.py),
shown with a second database alias (`replica`, the test database again, as in test settings)."""

import os
import subprocess
import sys
import tempfile

import pytest
from django.db import connection, connections
from django.http import HttpResponse
from django.test import RequestFactory, TransactionTestCase, override_settings
from django.test.utils import CaptureQueriesContext

from newsdesk.core.dbrouter import ReplicaMiddleware
from newsdesk.core.models import TaskFailure


def view_reading(request):
    return HttpResponse(str(TaskFailure.objects.count()))


def view_writing_then_reading(request):
    TaskFailure.objects.create(task_path="written.in.this.request")
    return HttpResponse(
        str(TaskFailure.objects.filter(task_path="written.in.this.request").count())
    )


@override_settings(NEWSDESK_READ_REPLICA=True)
class ReplicaRoutingTests(TransactionTestCase):
    databases = {"default", "replica"}

    def run_view(self, view, method="get", **extra):
        request = getattr(RequestFactory(), method)("/", **extra)
        with (
            CaptureQueriesContext(connections["default"]) as primary,
            CaptureQueriesContext(connections["replica"]) as replica,
        ):
            response = ReplicaMiddleware(view)(request)
        return response, len(primary), len(replica)

    def test_an_anonymous_readers_get_reads_the_replica(self):
        TaskFailure.objects.create(task_path="a.b")
        response, primary, replica = self.run_view(view_reading)
        self.assertEqual(response.content, b"1")
        self.assertEqual((primary, replica), (0, 1))

    def test_a_signed_in_user_reads_the_primary(self):
        _, primary, replica = self.run_view(view_reading, HTTP_COOKIE="sessionid=abc")
        self.assertEqual((primary, replica), (1, 0))

    def test_a_post_reads_the_primary(self):
        _, primary, replica = self.run_view(view_reading, method="post")
        self.assertEqual((primary, replica), (1, 0))

    def test_after_a_write_the_same_request_reads_the_primary(self):
        response, primary, replica = self.run_view(view_writing_then_reading)
        self.assertEqual(response.content, b"1")
        self.assertEqual(replica, 0)
        self.assertGreaterEqual(primary, 2)

    def test_outside_a_request_tasks_and_commands_read_the_primary(self):
        with CaptureQueriesContext(connections["replica"]) as replica:
            TaskFailure.objects.count()
        self.assertEqual(len(replica), 0)

    @override_settings(NEWSDESK_READ_REPLICA=False)
    def test_turning_the_replica_off_keeps_every_read_on_the_primary(self):
        _, primary, replica = self.run_view(view_reading)
        self.assertEqual((primary, replica), (1, 0))


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the pool is PostgreSQL's: tested in the PostgreSQL run",
)
def test_newsdesk_database_pool_gives_each_process_a_psycopg_pool():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "DJANGO_"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "NEWSDESK_DATA_DIR": tempfile.mkdtemp(prefix="newsdesk-pool-"),
        "NEWSDESK_DATABASE_URL": os.environ["NEWSDESK_DATABASE_URL"],
        "NEWSDESK_DATABASE_POOL": "1",
        "NEWSDESK_DATABASE_POOL_MAX": "3",
    }
    code = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "with connection.cursor() as c: c.execute('SELECT 1')\n"
        "pool = connection.pool\n"
        "print(type(pool).__module__, pool.max_size, connection.settings_dict['CONN_MAX_AGE'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["psycopg_pool.pool", "3", "0"]
