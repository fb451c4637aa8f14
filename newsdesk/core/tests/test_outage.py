"""With Redis stopped the site carries on and loses nothing (issue 17): the cache misses and
skips writes (core/cache.py), rate limits count in the database, tasks are kept in TaskOutbox
and enqueued once Redis is back, and a purge that could not reach Redis runs then.

Each class stops and starts a redis-server of its own (redis_server.py)."""

import tempfile
import uuid

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.test import TestCase, override_settings
from django_tasks import task
from huey.contrib.djhuey import tasks_backend as djhuey_tasks
from prometheus_client import REGISTRY
from redis.exceptions import ConnectionError as RedisConnectionError

from newsdesk.core import pagecache
from newsdesk.core.cache import RedisCache, strict
from newsdesk.core.models import RateCounter, TaskFailure, TaskOutbox
from newsdesk.core.purge import keys_purge, purge_run
from newsdesk.core.queue import ReliablePriorityRedisStorage
from newsdesk.core.ratelimit import Rate, rate_counts, rate_limit_hit
from newsdesk.core.tasks import HUEY
from newsdesk.core.tasks_backend import _kept_here, outbox_flush

from .redis_server import RedisServer

pytestmark = pytest.mark.skipif(
    not RedisServer.installed(),
    reason="redis-server is not installed (apt-get install redis-server)",
)


@task()
def noted(n: int) -> int:
    return n


class WithRedis(TestCase):
    """A redis-server of the class's own, and the task queue in it (not run at once)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = tempfile.TemporaryDirectory()
        cls.redis = RedisServer(cls.folder.name).start()

    @classmethod
    def tearDownClass(cls):
        cls.redis.stop()
        cls.folder.cleanup()
        super().tearDownClass()

    def setUp(self):
        if self.redis.process.poll() is not None:
            self.redis.start()
        HUEY.immediate = False
        self.queue = ReliablePriorityRedisStorage(
            f"t{uuid.uuid4().hex[:10]}", url=self.redis.url(1), socket_timeout=1
        )
        HUEY.storage = self.queue
        _kept_here.clear()

    def tearDown(self):
        HUEY.immediate = True  # huey's memory queue again, as every other test has it

    def cache(self, **params) -> RedisCache:
        prefix = f"t{uuid.uuid4().hex[:10]}"  # and so an outage state of its own
        return RedisCache(self.redis.url(2), {"KEY_PREFIX": prefix, **params})

    def run_next(self) -> None:
        """What a worker does with the next message, in this test's transaction (a worker's
        huey.execute would close the test's connection first, as it does between tasks)."""
        message = HUEY.dequeue()
        djhuey_tasks._execute_django_task(*message.args, task=message)
        HUEY.ack(message.delivery)

    def queued_ids(self) -> list[str]:
        return [HUEY.deserialize_task(data).id for data in self.queue.enqueued_items()]


class CacheOutageTests(WithRedis):
    def test_an_unreachable_redis_is_a_miss_and_a_skipped_write_logged_once_and_counted(self):
        cache = self.cache()
        cache.set("kept", "before")
        self.redis.stop()
        with self.assertLogs("newsdesk.outage", "WARNING") as logs:
            self.assertIsNone(cache.get("kept"))
            self.assertEqual(cache.get("kept", "default"), "default")
            cache.set("new", 1)
            self.assertFalse(cache.add("new", 1))
            self.assertEqual(cache.get_many(["kept", "new"]), {})
            self.assertFalse(cache.delete("kept"))
            with self.assertRaises(ValueError):
                cache.incr("counter")
        self.assertEqual(len(logs.records), 1, logs.output)
        self.assertIn("does not answer", logs.output[0])
        counted = REGISTRY.get_sample_value(
            "newsdesk_cache_unreachable_total", {"cache": cache.key_prefix}
        )
        self.assertEqual(counted, 7)
        with strict(), self.assertRaises(RedisConnectionError):
            cache.get("kept")
        self.redis.start()
        with self.assertLogs("newsdesk.outage", "WARNING") as logs:
            self.assertEqual(cache.get("kept"), "before")
        self.assertIn("answers again", logs.output[0])


class RateLimitOutageTests(WithRedis):
    def test_limits_hold_on_the_database_counters_while_redis_is_away(self):
        caches_redis = {
            "default": {"BACKEND": "newsdesk.core.cache.RedisCache", "LOCATION": self.redis.url(3)}
        }
        scope, rate = f"test-{uuid.uuid4().hex}", Rate(2, 600)
        with override_settings(CACHES=caches_redis, NEWSDESK_RATELIMIT_BACKEND="cache"):
            self.assertIsNone(rate_limit_hit(scope, "192.0.2.1", rate))
            self.assertFalse(RateCounter.objects.exists())  # counted in Redis
            self.redis.stop()
            self.assertIsNone(rate_limit_hit(scope, "192.0.2.1", rate))
            self.assertIsNone(rate_limit_hit(scope, "192.0.2.1", rate))
            self.assertIsNotNone(rate_limit_hit(scope, "192.0.2.1", rate))
            self.assertEqual(RateCounter.objects.get().hits, 3)
            self.assertEqual(rate_counts((scope, "192.0.2.1", rate)), [3])
            caches["default"].close()


class OutboxTests(WithRedis):
    def test_a_task_enqueued_while_the_queue_is_away_is_kept_then_enqueued_once_oldest_first(self):
        self.redis.stop()
        with self.assertNumQueries(1):  # the row, nothing else
            first = noted.enqueue(1)
        second = noted.using(priority=10).enqueue(2)
        self.assertEqual(first.status, "READY")
        self.assertEqual(
            list(TaskOutbox.objects.values_list("result_id", flat=True)), [first.id, second.id]
        )
        with self.assertRaises(RedisConnectionError):
            outbox_flush()  # still away: nothing is lost
        self.assertEqual(TaskOutbox.objects.count(), 2)
        self.redis.start()
        self.assertEqual(outbox_flush(), 2)
        self.assertEqual(outbox_flush(), 0)
        self.assertFalse(TaskOutbox.objects.exists())
        # Under the ids their callers got; the priority kept.
        self.assertEqual(self.queued_ids(), [second.id, first.id])
        self.run_next()
        self.run_next()
        self.assertEqual(first.task.get_backend().get_result(first.id).return_value, 1)

    def test_the_next_enqueue_that_works_puts_the_kept_tasks_in_the_queue_first(self):
        self.redis.stop()
        kept = noted.enqueue(1)
        self.redis.start()
        later = noted.enqueue(2)
        self.assertFalse(TaskOutbox.objects.exists())
        self.assertEqual(self.queued_ids(), [kept.id, later.id])

    def test_a_kept_task_whose_function_is_gone_becomes_a_failure_and_blocks_nothing(self):
        TaskOutbox.objects.create(result_id="gone", task_path="newsdesk.core.tests.nowhere.task")
        TaskOutbox.objects.create(result_id="here", task_path=noted.module_path, args=[3])
        self.assertEqual(outbox_flush(), 1)
        self.assertEqual(TaskFailure.objects.get().result_id, "gone")
        self.assertEqual(self.queued_ids(), ["here"])


class PurgeOutageTests(WithRedis):
    def setUp(self):
        super().setUp()
        pages = {
            **settings.CACHES,
            "pages": {"BACKEND": "newsdesk.core.cache.RedisCache", "LOCATION": self.redis.url(4)},
        }
        self.settings_changed = override_settings(CACHES=pages, NEWSDESK_PURGE_LOG=None)
        self.settings_changed.enable()
        pagecache._marks = None

    def tearDown(self):
        caches["pages"].close()
        self.settings_changed.disable()
        pagecache._marks = None
        super().tearDown()

    def test_a_purge_that_could_not_reach_redis_runs_once_it_is_back(self):
        marks = pagecache.marks()
        shown_at = marks.mark()  # a page showing article-1, kept in Redis at this mark
        self.redis.stop()
        with self.captureOnCommitCallbacks(execute=True):
            keys_purge(["article-1"])
        kept = TaskOutbox.objects.get()
        self.assertEqual(
            (kept.task_path, kept.kwargs), (purge_run.module_path, {"keys": ["article-1"]})
        )
        self.redis.start()
        # Back with what it held: the page would be served as it was...
        self.assertFalse(marks.purged_since(["article-1"], shown_at))
        outbox_flush()
        self.run_next()
        # ... until the kept purge ran.
        self.assertTrue(marks.purged_since(["article-1"], shown_at))


class PagesWithoutRedisTests(TestCase):
    """Nothing listens on port 1: the cache, the page cache and the queue are all away."""

    def test_public_and_admin_pages_answer_and_the_admin_says_what_waits(self):
        down = "redis://127.0.0.1:1/0"
        caches_down = {
            "default": {"BACKEND": "newsdesk.core.cache.RedisCache", "LOCATION": down},
            "pages": {"BACKEND": "newsdesk.core.cache.RedisCache", "LOCATION": down},
        }
        admin = get_user_model().objects.create_superuser("boss", "boss@example.org", "pw")
        HUEY.immediate = False
        HUEY.storage = ReliablePriorityRedisStorage("t", url=down)
        try:
            with override_settings(
                CACHES=caches_down, NEWSDESK_PURGE_LOG=None, NEWSDESK_RATELIMIT_BACKEND="cache"
            ):
                pagecache._marks = None
                self.assertEqual(self.client.get("/").status_code, 200)
                noted.enqueue(1)
                self.client.force_login(admin)
                response = self.client.get("/admin/")
                self.assertContains(response, "1 background task is waiting for the task queue")
        finally:
            pagecache._marks = None
            HUEY.immediate = True
