"""Exact purges: a change removes from every cache exactly the pages that show what it changed.

Public responses name what they show in a `Surrogate-Key` header (core/surrogate.py, the key
vocabulary in articles/keys.py). A service that changes what readers see calls

    keys_purge(article_change_keys(...))

inside its transaction. The moment it commits, the origin's page cache forgets those keys (a
line in the purge log, or marks in Redis: core/pagecache.py), and a task, ahead of other tasks,
purges them from every edge cache in NEWSDESK_PURGE_URLS (core/edge.py). An edge that does not
take it gets a task of its own, retried by the task runner; one that still fails after its last
retry is kept as a failed task (an admin alarm) and run again every minute until it works
(`purges_retry`): a purge is never lost. Nothing is ever purged globally.

A rendering that began before the commit may end after it. The page cache sees it (the purge
is logged at the commit) and lets no cache keep that copy; one whose answer was still on its way
to an edge when the purge went out has the edges purged again (`edges_purge_again`). So no
blind second purge is needed; NEWSDESK_PURGE_REPEAT_SECONDS can still ask for one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)


# Purges go ahead of every other task (django-tasks' range is -100 to 100; the default is 0).
PURGE_PRIORITY = 50
# Seconds an edge has to take a purge before it gets a task of its own (and its retries).
EDGE_FIRST_TIMEOUT = 2.0


def keys_purge(keys: Iterable[str]) -> None:
    """Purge `keys` everywhere once the current transaction commits (at once outside one)."""
    keys = sorted(set(keys))
    if keys:
        transaction.on_commit(partial(_committed, keys))


def _committed(keys: list[str]) -> None:
    from . import pagecache

    try:
        pagecache.purge(keys)
    except Exception as error:
        # Redis away: the task purges the page cache too, and is retried; if the queue is away
        # as well, the task is kept in the database until it is back (core/tasks_backend.py).
        logger.warning(
            "The page cache could not be purged at the commit (%s); its task will.",
            type(error).__name__,
        )
        purge_run.enqueue(keys=keys)
    else:
        purge_run.enqueue(keys=keys, origin_purged=True)


def edges_purge_again(keys: list[str]) -> None:
    """Purge `keys` from every edge again, now: a copy that straddled their purge may have
    reached an edge after it (core/pagecache.py sees that happen)."""
    from .edge import purge_urls

    for base_url in purge_urls():
        edge_purge_run.enqueue(base_url=base_url, keys=keys)


PurgeListener = Callable[[list[str]], None]
_listeners: list[PurgeListener] = []


def purge_listener(func: PurgeListener) -> PurgeListener:
    """Register `func(keys)`, called by purge_run with the keys of every purge once the origin's
    page cache is purged and the edges' purges are queued: for an app above core that keeps
    copies of pages of its own (the static mirror, newsdesk/site/mirror/), registered from its
    AppConfig.ready(), once however often. A listener must be quick (enqueue a task of its own);
    one that raises fails purge_run, which the task runner retries (its purges run again,
    harmlessly)."""
    if func not in _listeners:
        _listeners.append(func)
    return func


@task(priority=PURGE_PRIORITY)
def purge_run(*, keys: list[str], origin_purged: bool = False) -> int:
    """Every edge, one after the other; an edge that does not take the purge within
    EDGE_FIRST_TIMEOUT gets a task of its own, retried, and does not hold up the others. The
    origin's page cache too, unless the commit already purged it."""
    from . import pagecache
    from .edge import EdgePurgeError, edge_label, edge_purge, purge_urls

    if not origin_purged:
        pagecache.purge(keys)
    again = timezone.now() + timedelta(seconds=settings.NEWSDESK_PURGE_REPEAT_SECONDS)
    for base_url in purge_urls():
        try:
            edge_purge(base_url=base_url, keys=keys, timeout=EDGE_FIRST_TIMEOUT)
        except EdgePurgeError as error:
            logger.warning("%s Retrying it on a task of its own.", error)
            edge_purge_run.enqueue(base_url=base_url, keys=keys)
        except Exception as error:  # whatever else went wrong, the purge is not lost
            logger.warning(
                "The purge of edge %s failed (%s); retrying it on a task of its own.",
                edge_label(base_url),
                type(error).__name__,
            )
            edge_purge_run.enqueue(base_url=base_url, keys=keys)
        if settings.NEWSDESK_PURGE_REPEAT_SECONDS:
            edge_purge_run.using(run_after=again).enqueue(base_url=base_url, keys=keys)
    for listener in list(_listeners):
        listener(keys)
    logger.info("Purged %d key(s): %s", len(keys), " ".join(keys[:20]))
    return len(keys)


@task(priority=PURGE_PRIORITY)
def edge_purge_run(*, base_url: str, keys: list[str]) -> int:
    """One edge; a failure raises, so the task runner retries it and then raises the alarm."""
    from .edge import edge_purge

    return edge_purge(base_url=base_url, keys=keys)


PURGE_TASKS = (purge_run.module_path, edge_purge_run.module_path)


@task()
def purges_retry() -> int:
    """Run again every purge that failed after its retries (each an admin alarm until then)."""
    from .models import TaskFailure
    from .tasks import task_failure_retry

    failed = list(TaskFailure.objects.unresolved().filter(task_path__in=PURGE_TASKS)[:200])
    for failure in failed:
        task_failure_retry(failure=failure)  # failing again leaves a new alarm
    return len(failed)
