"""The django-tasks backend: huey's own (huey.contrib.djhuey), plus retries and failure records.

huey ships a django-tasks backend that keeps results in huey's result store and honours run_after
as huey's ETA. We add what Newsdesk needs on top: every task is retried (OPTIONS retries and
retry_delay, seconds), and a task that fails after its last retry leaves a TaskFailure row, which
the admin shows as an alarm and the worker runs again when it starts.
"""

import logging
import traceback

from huey.contrib.djhuey import HUEY, close_db
from huey.contrib.djhuey import tasks_backend as djhuey_tasks
from huey.signals import SIGNAL_ERROR

logger = logging.getLogger(__name__)

# huey registers the one task that runs every django-tasks task under this name.
SHIM = djhuey_tasks._shim


class HueyBackend(djhuey_tasks.HueyBackend):
    def __init__(self, alias: str, params: dict):
        super().__init__(alias, params)
        # Each task message carries its own retry count, taken from these defaults when enqueued.
        SHIM.task_class.default_retries = int(self.options.get("retries", 3))
        SHIM.task_class.default_retry_delay = int(self.options.get("retry_delay", 30))


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
