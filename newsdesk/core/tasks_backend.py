"""The django-tasks backend: huey's own (huey.contrib.djhuey), plus retries, failure records and
an outbox for the moments the queue does not answer.

huey ships a django-tasks backend that keeps results in huey's result store and honours run_after
as huey's ETA. We add what Newsdesk needs on top: every task is retried (OPTIONS retries and
retry_delay, seconds), and a task that fails after its last retry leaves a TaskFailure row, which
the admin shows as an alarm and the worker runs again when it starts.

A task that cannot be enqueued because the queue (Redis, or huey's SQLite file) does not answer
is neither lost nor an error for the request that asked for it: it is kept in the database
(TaskOutbox, in the caller's transaction if there is one) and its caller gets its result as
usual. Each worker, every few seconds, and the first enqueue of this process that works again
put what is kept in the queue, oldest first, each once, under the result id the caller got.
"""

import logging
import threading
import traceback
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task_backends
from django_tasks.signals import task_enqueued
from django_tasks.utils import normalize_json
from huey.contrib.djhuey import HUEY, close_db
from huey.contrib.djhuey import tasks_backend as djhuey_tasks
from huey.signals import SIGNAL_ERROR

from .outage import QUEUE_UNREACHABLE, Outage

logger = logging.getLogger(__name__)

# huey registers the one task that runs every django-tasks task under this name.
SHIM = djhuey_tasks._shim
ENQUEUEING = Outage(
    "The task queue", "tasks are kept in the database (TaskOutbox) until it answers again."
)
_kept_here = threading.Event()  # this process kept a task: its next enqueue that works flushes


class HueyBackend(djhuey_tasks.HueyBackend):
    def __init__(self, alias: str, params: dict):
        super().__init__(alias, params)
        # Each task message carries its own retry count, taken from these defaults when enqueued.
        SHIM.task_class.default_retries = int(self.options.get("retries", 3))
        SHIM.task_class.default_retry_delay = int(self.options.get("retry_delay", 30))

    def enqueue(self, task, args, kwargs):
        self.validate_task(task)
        self._check_resolvable(task)
        args, kwargs = normalize_json(list(args)), normalize_json(kwargs)
        result_id = str(uuid.uuid4())
        if _kept_here.is_set():
            # What this process kept goes first, so that the queue keeps their order.
            try:
                outbox_flush()
                _kept_here.clear()
            except QUEUE_UNREACHABLE:
                pass  # still away: this one is kept too, below
            except Exception as error:  # the workers flush it too; this request must not fail
                logger.warning("The kept tasks could not be enqueued yet (%s).", error)
        try:
            result = self.send(task, args, kwargs, result_id=result_id)
        except QUEUE_UNREACHABLE as error:
            ENQUEUEING.failed(error)
            return self._keep(task, args, kwargs, result_id)
        ENQUEUEING.answered()
        return result

    def send(self, task, args: list, kwargs: dict, *, result_id: str):
        """Into the queue now, under `result_id` (djhuey's enqueue, with the id given): raises
        when the queue does not answer."""
        huey_task = SHIM.s(
            task.module_path,
            args,
            kwargs,
            priority=task.priority or None,
            eta=task.run_after,
            id=result_id,
        )
        record = djhuey_tasks._initial_record(self.alias, task, result_id, args, kwargs)
        record["enqueued_at"] = djhuey_tasks._iso(timezone.now())
        HUEY.put_result(djhuey_tasks.KEY % result_id, record)
        task_enqueued.send(sender=type(self), task_result=djhuey_tasks._record_to_result(record))
        HUEY.enqueue(huey_task)
        # Read again: in immediate mode the task has already run.
        stored = HUEY.get(djhuey_tasks.KEY % result_id, peek=True) or record
        return djhuey_tasks._record_to_result(stored)

    def _keep(self, task, args: list, kwargs: dict, result_id: str):
        from .models import TaskOutbox

        TaskOutbox.objects.create(
            result_id=result_id,
            backend=self.alias,
            task_path=task.module_path,
            priority=task.priority,
            queue_name=task.queue_name,
            run_after=task.run_after,
            args=args,
            kwargs=kwargs,
        )
        _kept_here.set()
        record = djhuey_tasks._initial_record(self.alias, task, result_id, args, kwargs)
        return djhuey_tasks._record_to_result(record)


def outbox_flush(*, limit: int = 1000) -> int:
    """Enqueue the kept tasks, oldest first, each once (a row is locked by one flusher, sent,
    then deleted in its transaction); stops at the first the queue does not take. A kept task
    whose function no longer exists becomes a TaskFailure (an admin alarm) instead of blocking
    the rest. Returns how many were enqueued."""
    from .models import TaskFailure, TaskOutbox

    sent = 0
    while sent < limit:
        with transaction.atomic():
            row = TaskOutbox.objects.select_for_update(skip_locked=True).order_by("id").first()
            if row is None:
                break
            try:
                task = import_string(row.task_path).using(
                    priority=row.priority, queue_name=row.queue_name, run_after=row.run_after
                )
            except Exception as error:
                logger.error("Kept task %s cannot be enqueued: %s", row.task_path, error)
                TaskFailure.objects.create(
                    task_path=row.task_path,
                    args=row.args,
                    kwargs=row.kwargs,
                    result_id=row.result_id,
                    error=f"Kept while the queue was away, then not found: {error}",
                )
            else:
                task_backends[row.backend].send(task, row.args, row.kwargs, result_id=row.result_id)
                sent += 1
            row.delete()
    if sent:
        logger.warning("Enqueued %d task(s) kept while the queue was away.", sent)
    return sent


@HUEY.signal(SIGNAL_ERROR)
@close_db
def _record_final_failure(signal, task, exc=None, *args, **kwargs) -> None:
    if not isinstance(task, SHIM.task_class) or task.retries:
        return  # another kind of huey task, or huey will try this one again
    from .models import TaskFailure

    task_path, task_args, task_kwargs = task.args
    try:
        TaskFailure.objects.create(
            task_path=task_path,
            args=task_args,
            kwargs=task_kwargs,
            result_id=task.id,
            error="".join(traceback.format_exception(exc)) if exc else "",
        )
    except Exception:
        # The alarm must not take the worker down with it; the log still has the failure.
        logger.exception("Could not record the failure of task %s", task.id)
