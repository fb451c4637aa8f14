"""Exact purges: a change removes from every cache exactly the pages that show what it changed.

Public responses name what they show in a `Surrogate-Key` header (core/surrogate.py, the key
vocabulary in articles/keys.py). A service that changes what readers see calls

    keys_purge(article_change_keys(...))

inside its transaction. The moment it commits, the origin's page cache forgets those keys (a
line in the purge log, or marks in Redis: core/pagecache.py) and every edge cache in
NEWSDESK_PURGE_URLS is sent the purge from the committing process itself (core/edge.py), so a
change reaches the edges within milliseconds even while the task workers are busy with long
tasks; a task, ahead of other tasks, then tells the purge listeners (the static mirror). An
edge that does not take it at the commit gets a task of its own, retried by the task runner; one
that still fails after its last retry is kept as a failed task (an admin alarm) and run again
every minute until it works (`purges_retry`): a purge is never lost. Nothing is ever purged
globally.

A rendering that began before the commit may end after it. The page cache sees it (the purge
is logged at the commit) and lets no cache keep that copy; one whose answer was still on its way
to an edge when the purge went out has the edges purged again (`edges_purge_again`). So no
blind second purge is needed; NEWSDESK_PURGE_REPEAT_SECONDS can still ask for one.
"""

from __future__ import annotations

import logging
import time
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
# ... when it is sent from the committing process (an editor's or moderator's request, a task).
EDGE_COMMIT_TIMEOUT = 1.0
# An edge that failed at a commit is left to the tasks for this long, so that a dead edge does not
# hold up every save by EDGE_COMMIT_TIMEOUT.
EDGE_COMMIT_BACKOFF = 60.0
_edge_failed_at: dict[str, float] = {}


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
        done = {}
    else:
        done = {"origin_purged": True}
    if edges := _edges_purge_now(keys):
        done["edges_done"] = edges
    purge_run.enqueue(keys=keys, **done)


def _edges_purge_now(keys: list[str]) -> list[str]:
    """Send the purge to every edge from this process; one that does not take it gets a task of
    its own. Returns the edges dealt with (purged, or handed to their task); an edge that failed
    within EDGE_COMMIT_BACKOFF is left to purge_run."""
    from .edge import EdgePurgeError, edge_label, edge_purge, purge_urls

    done = []
    for base_url in purge_urls():
        failed_at = _edge_failed_at.get(base_url)
        if failed_at is not None and time.monotonic() - failed_at < EDGE_COMMIT_BACKOFF:
            continue
        try:
            edge_purge(base_url=base_url, keys=keys, timeout=EDGE_COMMIT_TIMEOUT)
        except Exception as error:  # refused, unreachable, slow: its task retries it
            _edge_failed_at[base_url] = time.monotonic()
            logger.warning(
                "The purge of edge %s at the commit failed (%s); retrying it on a task.",
                edge_label(base_url),
                error if isinstance(error, EdgePurgeError) else type(error).__name__,
            )
            edge_purge_run.enqueue(base_url=base_url, keys=keys)
        else:
            _edge_failed_at.pop(base_url, None)
        done.append(base_url)
    return done


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
def purge_run(
    *, keys: list[str], origin_purged: bool = False, edges_done: list[str] | None = None
) -> int:
    """Every edge not in `edges_done` (purged at the commit, or handed to a task of its own),
    one after the other; an edge that does not take the purge within EDGE_FIRST_TIMEOUT gets a
    task of its own, retried, and does not hold up the others. The origin's page cache too,
    unless the commit already purged it. Then the purge listeners."""
    from . import pagecache
    from .edge import EdgePurgeError, edge_label, edge_purge, purge_urls

    if not origin_purged:
        pagecache.purge(keys)
    again = timezone.now() + timedelta(seconds=settings.NEWSDESK_PURGE_REPEAT_SECONDS)
    for base_url in purge_urls():
        if base_url in (edges_done or ()):
            if settings.NEWSDESK_PURGE_REPEAT_SECONDS:
                edge_purge_run.using(run_after=again).enqueue(base_url=base_url, keys=keys)
            continue
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
