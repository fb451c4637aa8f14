"""Keeping the mirror current from the task workers: set NEWSDESK_MIRROR_DIR.

Every purge passes through core/purge.py's purge_run, which calls the listeners registered with
`purge_listener`; site/apps.py registers `mirror_purge_listener` when NEWSDESK_MIRROR_DIR is set.
The listener only enqueues `mirror_update_run`, a task of its own: an update that fails (the
origin answered an error) is retried by the task runner and then raised as a failed-task alarm,
and its keys stay pending in the mirror meanwhile, so a later update applies them.

A scheduled or embargoed story reaches the mirror when its side effects run at its time (they
purge its keys and its lists' heads); before that, every page is rendered as readers see it
then, without it.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django_tasks import task

from .build import Mirror

_local = threading.local()  # one Mirror per worker thread (its index connection is its own)


def mirror_in(folder: str) -> Mirror:
    mirrors = getattr(_local, "mirrors", None)
    if mirrors is None:
        mirrors = _local.mirrors = {}
    if folder not in mirrors:
        mirrors[folder] = Mirror(folder)
    return mirrors[folder]


@task()
def mirror_update_run(*, keys: list[str]) -> int:
    """Bring the mirror in NEWSDESK_MIRROR_DIR up to date with a purge of `keys`; the number
    of files written or deleted."""
    folder = settings.NEWSDESK_MIRROR_DIR
    if not folder:
        return 0
    reports = mirror_in(str(folder)).keys_purged(keys)
    return sum(len(report.touched) for report in reports)


def mirror_purge_listener(keys: list[str]) -> None:
    """Registered with core.purge.purge_listener (apps.py)."""
    if settings.NEWSDESK_MIRROR_DIR:
        mirror_update_run.enqueue(keys=sorted(keys))
