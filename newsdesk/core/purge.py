"""Exact purges: a change removes from every cache exactly the pages that show what it changed.

Public responses name what they show in a `Surrogate-Key` header (core/surrogate.py, the key
vocabulary in articles/keys.py). A service that changes what readers see calls

    keys_purge(article_change_keys(...))

inside its transaction. Once it commits, a task purges those keys from the origin's page cache
(core/pagecache.py) and then, one task per edge, from every edge cache in NEWSDESK_PURGE_URLS
(core/edge.py). A purge that fails is retried by the task runner; one that still fails after its
last retry is kept as a failed task (an admin alarm) and run again every minute until it works
(`purges_retry`): a purge is never lost. Each edge is purged again a few seconds later
(NEWSDESK_PURGE_REPEAT_SECONDS), for a copy whose rendering straddled the commit. Nothing is
ever purged globally.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)


def keys_purge(keys: Iterable[str]) -> None:
    """Purge `keys` everywhere once the current transaction commits (at once outside one)."""
    keys = sorted(set(keys))
    if keys:
        transaction.on_commit(lambda: purge_run.enqueue(keys=keys))


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


@task()
def purge_run(*, keys: list[str]) -> int:
    """The origin's page cache now, then one task per edge (an edge that is down does not hold
    up the others, and is retried on its own)."""
    from . import pagecache
    from .edge import purge_urls

    pagecache.purge(keys)
    again = timezone.now() + timedelta(seconds=settings.NEWSDESK_PURGE_REPEAT_SECONDS)
    for base_url in purge_urls():
        edge_purge_run.enqueue(base_url=base_url, keys=keys)
        if settings.NEWSDESK_PURGE_REPEAT_SECONDS:
            # An edge keeps a copy whose rendering began before the commit and ended after
            # this purge (xkey purges only what is stored): purging again shortly after drops it.
            edge_purge_run.using(run_after=again).enqueue(base_url=base_url, keys=keys)
    for listener in list(_listeners):
        listener(keys)
    logger.info("Purged %d key(s): %s", len(keys), " ".join(keys[:20]))
    return len(keys)


@task()
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
