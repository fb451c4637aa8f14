import signal
import time
from datetime import timedelta

import time_machine
from django.contrib.auth import get_user_model
from django.test import TestCase, TransactionTestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus, default_task_backend, task

from newsdesk.core.models import TaskFailure
from newsdesk.core.tasks import (
    HEARTBEAT_KEY,
    HUEY,
    periodic_jobs,
    task_failure_retry,
    tasks_heartbeat,
    worker_is_late,
    worker_start,
)

CALLS: list[str] = []


@task()
def add(a: int, b: int) -> int:
    return a + b


@task()
def always_fails(reason: str) -> None:
    CALLS.append(reason)
    raise RuntimeError(reason)


@task()
def fails_twice_then_succeeds(key: str) -> str:
    CALLS.append(key)
    if CALLS.count(key) <= 2:
        raise RuntimeError("not yet")
    return "done"


RETRYING = {
    "default": {
        "BACKEND": "newsdesk.core.tasks_backend.HueyBackend",
        "OPTIONS": {"retries": 2, "retry_delay": 0},
    }
}


class HueyBackendTests(TestCase):
    def setUp(self):
        CALLS.clear()

    def test_enqueued_task_runs_and_its_result_can_be_read_back(self):
        result = add.enqueue(2, 3)
        self.assertEqual(result.status, TaskResultStatus.SUCCESSFUL)
        self.assertEqual(add.get_result(result.id).return_value, 5)

    def test_task_with_run_after_in_the_future_waits(self):
        result = add.using(run_after=timezone.now() + timedelta(hours=1)).enqueue(1, 1)
        self.assertEqual(result.status, TaskResultStatus.READY)
        self.assertEqual(len(HUEY.scheduled()), 1)
        HUEY.flush()

    @override_settings(TASKS=RETRYING)
    def test_failed_task_is_retried_until_it_succeeds_without_an_alarm(self):
        result = fails_twice_then_succeeds.enqueue("k")
        self.assertEqual(CALLS, ["k", "k", "k"])
        self.assertEqual(
            fails_twice_then_succeeds.get_result(result.id).status, TaskResultStatus.SUCCESSFUL
        )
        self.assertFalse(TaskFailure.objects.exists())

    @override_settings(TASKS=RETRYING)
    def test_task_failing_after_every_retry_leaves_an_alarm(self):
        always_fails.enqueue("boom")
        self.assertEqual(CALLS, ["boom"] * 3)
        failure = TaskFailure.objects.get()
        self.assertEqual(failure.task_path, "newsdesk.core.tests.test_tasks.always_fails")
        self.assertEqual(failure.args, ["boom"])
        self.assertIn("RuntimeError: boom", failure.error)

    def test_retrying_a_failure_enqueues_it_again_and_resolves_the_alarm(self):
        failure = TaskFailure.objects.create(
            task_path="newsdesk.core.tests.test_tasks.add", args=[1, 2]
        )
        task_failure_retry(failure=failure)
        failure.refresh_from_db()
        self.assertIsNotNone(failure.resolved_at)
        self.assertFalse(TaskFailure.objects.unresolved().exists())

    def test_failure_that_fails_again_when_retried_raises_a_new_alarm(self):
        failure = TaskFailure.objects.create(
            task_path="newsdesk.core.tests.test_tasks.always_fails", args=["x"]
        )
        task_failure_retry(failure=failure)
        self.assertEqual(TaskFailure.objects.unresolved().count(), 1)
        self.assertNotEqual(TaskFailure.objects.unresolved().get().pk, failure.pk)


class WorkerStartTests(TestCase):
    def test_worker_start_retries_failures_and_beats(self):
        TaskFailure.objects.create(task_path="newsdesk.core.tests.test_tasks.add", args=[1, 2])
        names = {job.name for job in periodic_jobs() if job.at_start}
        self.assertIn("periodic:newsdesk.core.tasks.tasks_retry_failures", names)
        self.assertIn("periodic:newsdesk.articles.tasks.article_effects_catch_up", names)
        self.assertGreaterEqual(worker_start(), 2)
        self.assertFalse(TaskFailure.objects.unresolved().exists())
        self.assertIsNotNone(HUEY.get(HEARTBEAT_KEY, peek=True))

    def test_worker_is_late_when_its_heartbeat_is_old(self):
        HUEY.immediate = False
        try:
            HUEY.delete(HEARTBEAT_KEY)
            self.assertTrue(worker_is_late())
            with time_machine.travel(timezone.now() - timedelta(minutes=10), tick=False):
                tasks_heartbeat.call()
            self.assertTrue(worker_is_late())
            tasks_heartbeat.call()
            self.assertFalse(worker_is_late())
        finally:
            HUEY.immediate = True


class AdminAlarmTests(TestCase):
    def test_editors_see_failed_tasks_as_an_alarm_on_every_admin_page(self):
        admin = get_user_model().objects.create_superuser("boss", "boss@example.org", "pw")
        self.client.force_login(admin)
        TaskFailure.objects.create(task_path="newsdesk.core.tests.test_tasks.add", args=[1, 2])
        response = self.client.get(reverse("admin:index"))
        self.assertContains(response, "1 background task failed after every retry")

    def test_no_alarm_when_nothing_failed(self):
        admin = get_user_model().objects.create_superuser("boss", "boss@example.org", "pw")
        self.client.force_login(admin)
        response = self.client.get(reverse("admin:index"))
        self.assertNotContains(response, "newsdesk-alarms")


class RealConsumerTests(TransactionTestCase):
    """A real huey consumer (threads, SQLite queue file) runs what the web process enqueued."""

    def setUp(self):
        self.handlers = {
            s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        }
        HUEY.immediate = False
        HUEY.flush()
        self.consumer = HUEY.create_consumer(workers=2, worker_type="thread", periodic=False)
        self.consumer.start()

    def tearDown(self):
        self.consumer.stop(graceful=True)
        HUEY.flush()
        HUEY.immediate = True
        for sig, handler in self.handlers.items():
            signal.signal(sig, handler)

    def wait_for(self, result, timeout=15.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result.refresh()
            if result.is_finished:
                return result
            time.sleep(0.05)
        self.fail(f"task {result.id} did not finish in {timeout}s (status {result.status})")

    def test_consumer_runs_enqueued_and_scheduled_tasks(self):
        self.assertFalse(HUEY.immediate)
        now = add.enqueue(20, 22)
        later = add.using(run_after=timezone.now() + timedelta(seconds=1)).enqueue(1, 2)
        self.assertEqual(self.wait_for(now).return_value, 42)
        self.assertEqual(self.wait_for(later).return_value, 3)
        self.assertGreaterEqual(later.started_at, later.task.run_after)

    @override_settings(TASKS=RETRYING)
    def test_consumer_records_a_final_failure(self):
        self.assertIsInstance(default_task_backend.alias, str)
        result = always_fails.enqueue("in the worker")
        deadline = time.monotonic() + 15
        while not TaskFailure.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(TaskFailure.objects.get().result_id, result.id)
