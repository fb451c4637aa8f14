"""Background work of the wire desk, on the django-tasks API (see docs/operations.md, "Tasks")."""

from __future__ import annotations

from django_tasks import task

from newsdesk.core.tasks import run_alone

from .models import Source
from .polling import source_poll, sources_poll_due
from .store import archive_index


@task()
def ingest_poll_due() -> dict[str, int]:
    """Poll every source whose time has come (periodic, every minute). Safe to run twice."""
    totals: dict[str, int] = {"sources": 0, "failed_sources": 0}
    for report in sources_poll_due():
        totals["sources"] += 1
        totals["failed_sources"] += 0 if report.ok else 1
        for outcome, count in report.counts.items():
            totals[str(outcome)] = totals.get(str(outcome), 0) + count
    return totals


@task()
def ingest_poll_source(*, source_id: int) -> dict[str, int]:
    """Poll one source now ("Poll now" in the admin)."""
    source = Source.objects.filter(pk=source_id).first()
    if source is None:
        return {}
    report = source_poll(source=source)
    if report.busy:
        return {"busy": 1}  # another poll holds the source and reads it now
    return {str(outcome): count for outcome, count in report.counts.items()}


@task()
def ingest_index_archive() -> int:
    """Sign newly published or changed articles so wire items are matched to the archive. On a
    freshly loaded archive this takes minutes; a run enqueued meanwhile (at start, then every 5
    minutes) returns at once rather than hold a second worker thread."""
    total = 0
    with run_alone("ingest_index_archive") as alone:
        while alone and (signed := archive_index(limit=500)):
            total += signed
    return total
