"""Background tasks for every app: the django-tasks API, periodic jobs, the worker's health.

Define and enqueue tasks with django-tasks (Django 6's `django.tasks` has the same API):

    from django_tasks import task

    @task()
    def comment_notify(*, comment_id: int) -> None: ...

    transaction.on_commit(lambda: comment_notify.enqueue(comment_id=comment.pk))
    article_effects.using(run_after=article.published_at).enqueue(article_id=article.pk)

Periodic jobs: an app lists them in its `periodic.py`, which the worker imports at start. Each
minute's jobs are enqueued once, whichever and however many workers run (ClaimingScheduler):

    from newsdesk.core.tasks import crontab, periodic
    from .tasks import feeds_poll

    periodic(feeds_poll, crontab(minute="*"))                 # every minute
    periodic(comments_purge_ips, crontab(minute="17", hour="3"))  # daily at 03:17 UTC
    periodic(effects_catch_up, crontab(minute="*"), at_start=True)  # also whenever a worker starts
"""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules, import_string
from django.utils.translation import ngettext
from django_tasks import task
from django_tasks.base import Task
from huey import crontab
from huey.consumer import Consumer, Scheduler
from huey.contrib.djhuey import HUEY
from huey.exceptions import TaskLockedException

from . import tasks_backend  # noqa: F401 - registers the failure alarm wherever tasks run
from .alarms import alarm
from .outage import QUEUE_UNREACHABLE
from .queue import QUEUE

__all__ = [
    "HUEY",
    "crontab",
    "periodic",
    "periodic_jobs",
    "task",
    "worker_consumer",
    "worker_last_seen",
]

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "newsdesk:worker-heartbeat"


@dataclass(frozen=True)
class PeriodicJob:
    task: Task
    schedule: object
    at_start: bool

    @property
    def name(self) -> str:
        return f"periodic:{self.task.module_path}"


_jobs: dict[str, PeriodicJob] = {}


def periodic(task: Task, schedule=None, *, at_start: bool = False) -> None:
    """Enqueue `task` (no arguments) on `schedule` (a huey crontab, UTC) and/or at worker start.

    The scheduler of each `newsdesk worker` (unless --no-periodic) enqueues it; the task itself then
    runs, with retries, like any other.
    """
    job = PeriodicJob(task=task, schedule=schedule, at_start=at_start)
    if job.name in _jobs:
        return
    if schedule is not None:

        def enqueue_job():
            close_old_connections()
            task.enqueue()

        HUEY.periodic_task(schedule, name=job.name)(enqueue_job)
    _jobs[job.name] = job


@contextmanager
def run_alone(name: str) -> Iterator[bool]:
    """Inside, True when no other run of `name` is going on anywhere (every worker of every
    server shares the queue's store), False when one is: a long periodic job enqueued again
    while its last run still works (at start and on its schedule) must not run twice at once.
    A worker's start releases the locks of workers that died holding them."""
    lock = HUEY.lock_task(name)
    try:
        lock.acquire()
    except TaskLockedException:
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


def periodic_jobs() -> list[PeriodicJob]:
    """Every job of every app's periodic.py."""
    autodiscover_modules("periodic")
    return list(_jobs.values())


def worker_start() -> int:
    """What a worker does before it consumes: enqueue the at-start jobs. Returns how many."""
    jobs = [job for job in periodic_jobs() if job.at_start]
    for job in jobs:
        job.task.enqueue()
    return len(jobs)


def periodic_minute_claim(*, minute: int, name: str = "periodic") -> bool:
    """Claim the enqueueing of `minute`'s periodic jobs (minutes since 1970-01-01 UTC): True for
    exactly one of the workers that ask, and never for a minute at or before one already taken
    (a worker whose clock is behind does not enqueue again what another has)."""
    from .models import PeriodicClaim

    PeriodicClaim.objects.bulk_create([PeriodicClaim(name=name, minute=-1)], ignore_conflicts=True)
    return PeriodicClaim.objects.filter(name=name, minute__lt=minute).update(minute=minute) == 1


class ClaimingScheduler(Scheduler):
    """huey's scheduler, enqueueing a minute's periodic jobs only once it has claimed that
    minute in the database (periodic_minute_claim): two workers, or an orphan beside its
    successor, enqueue each job once."""

    def enqueue_periodic_tasks(self, now):
        # The moment huey itself would read (naive, UTC in our settings), read once for both.
        now = now or (datetime.now(UTC).replace(tzinfo=None) if self.huey.utc else datetime.now())
        minute = int(now.replace(tzinfo=UTC).timestamp() // 60)
        close_old_connections()
        try:
            claimed = periodic_minute_claim(minute=minute)
        except DatabaseError:
            logger.exception("Could not claim minute %s of the periodic schedule; skipped.", minute)
            return
        finally:
            close_old_connections()
        if claimed:
            super().enqueue_periodic_tasks(now)
        else:
            self._logger.debug("Another worker enqueued the periodic jobs of minute %s.", minute)


class WorkerLiveness(threading.Thread):
    """A worker's liveness (core/queue.py), refreshed every third of NEWSDESK_TASK_ALIVE_SECONDS
    until its consumer has stopped; each time, the in-flight tasks of workers whose liveness
    lapsed go back in the queue, and the tasks kept while the queue was away go into it."""

    def __init__(self, huey):
        super().__init__(name="task-worker-liveness", daemon=True)
        self.huey, self.storage = huey, huey.storage
        self.stopped = threading.Event()

    def run(self) -> None:
        while True:
            self.tick()
            if self.stopped.wait(self.storage.alive_seconds / 3):
                return

    def tick(self) -> None:
        from .tasks_backend import outbox_flush

        try:
            self.storage.beat()
            self.huey.ack_again()
            if taken_back := self.storage.reap():
                logger.warning("Put back in the queue %d task(s) of stopped workers.", taken_back)
        except QUEUE_UNREACHABLE as error:
            QUEUE.failed(error)
            return
        QUEUE.answered()
        close_old_connections()
        try:
            outbox_flush()
        except QUEUE_UNREACHABLE as error:
            QUEUE.failed(error)
        except Exception:
            logger.exception("The tasks kept for the queue could not be enqueued.")
        finally:
            close_old_connections()

    def stop(self) -> None:
        self.stopped.set()
        if self.ident is not None:
            self.join(10)
        try:
            self.storage.leave()  # what it still holds (interrupted tasks) goes back at once
        except QUEUE_UNREACHABLE as error:
            QUEUE.failed(error)


class _Consumer(Consumer):
    scheduler_class = ClaimingScheduler

    def start(self):
        # First thing: a worker that starts takes back what stopped workers left in flight.
        self.liveness = WorkerLiveness(self.huey) if hasattr(self.huey.storage, "beat") else None
        if self.liveness:
            self.liveness.start()
        super().start()

    def run(self):
        try:
            super().run()
        finally:
            if self.liveness:
                self.liveness.stop()


def worker_consumer(**options) -> Consumer:
    """The consumer `newsdesk worker` runs: huey's, with the claiming scheduler and the worker's
    liveness (at-least-once delivery, core/queue.py)."""
    return _Consumer(HUEY, **{"flush_locks": True, **options})


def worker_last_seen() -> datetime | None:
    """When a worker last ran its heartbeat job (every minute), from the queue's shared store."""
    value = HUEY.get(HEARTBEAT_KEY, peek=True)
    return datetime.fromisoformat(value) if value else None


def worker_is_late(now: datetime | None = None) -> bool:
    if HUEY.immediate:
        return False  # tasks run as they are enqueued; there is no worker to miss
    try:
        seen = worker_last_seen()
    except QUEUE_UNREACHABLE as error:
        QUEUE.failed(error)
        return False  # the queue's own alarm says so (queue_alarm)
    limit = timedelta(minutes=settings.NEWSDESK_TASK_ALARM_MINUTES)
    return seen is None or seen < (now or timezone.now()) - limit


@alarm
def queue_alarm(request) -> list[dict]:
    """Tasks kept in the database while the queue (Redis) did not answer (tasks_backend.py)."""
    from .models import TaskOutbox

    if not request.user.has_perm("core.view_taskfailure"):
        return []
    kept = TaskOutbox.objects.count()
    if not kept:
        return []
    text = ngettext(
        "%(count)d background task is waiting for the task queue, which did not answer: it is "
        "enqueued as soon as the queue answers again (is Redis running?).",
        "%(count)d background tasks are waiting for the task queue, which did not answer: they "
        "are enqueued as soon as the queue answers again (is Redis running?).",
        kept,
    ) % {"count": kept}
    return [{"text": text, "url": ""}]


def task_failure_retry(*, failure) -> None:
    """Enqueue a failed task again and resolve its alarm; failing again makes a new alarm."""
    import_string(failure.task_path).enqueue(*failure.args, **failure.kwargs)
    failure.resolved_at = timezone.now()
    failure.resolution = "Run again"
    failure.save(update_fields=["resolved_at", "resolution"])


@task()
def tasks_heartbeat() -> str:
    now = timezone.now().isoformat()
    HUEY.put(HEARTBEAT_KEY, now)
    return now


@task()
def tasks_retry_failures() -> int:
    """Run every failed task once more: what a restarted worker does first."""
    from .models import TaskFailure

    failures = list(TaskFailure.objects.unresolved())
    for failure in failures:
        task_failure_retry(failure=failure)
    return len(failures)


@task()
def security_events_purge() -> int:
    """Delete audit records past NEWSDESK_SECURITY_EVENT_DAYS: they hold client addresses."""
    from .models import SecurityEvent

    deleted, _ = SecurityEvent.objects.older_than(settings.NEWSDESK_SECURITY_EVENT_DAYS).delete()
    return deleted
