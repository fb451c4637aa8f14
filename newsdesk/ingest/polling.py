"""Polling a source: fetch (or read the folder), parse within limits, store each item.

A source that fails is recorded as failing (its error, when, and a growing delay before the
next try) and never stops the others. The ETag and Last-Modified of a feed are saved only
after all its items are stored, so a poll cut short is simply done again.

A poll first claims its source (a lease in the source's row, taken by one conditional UPDATE,
which SQLite and PostgreSQL both make atomic): the periodic poll, "Poll now" and
`newsdesk ingest --source` never read one source at once, and a worker killed while holding a
claim loses it when the lease runs out.
"""

from __future__ import annotations

import os
import socket
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import uuid4

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Q
from django.utils import timezone

from .fetch import FetchError, FetchResult, Limits, fetch
from .folders import folder_file_read, folder_resolve
from .limits import run_limited
from .models import Source
from .parsers.capture import ParseError
from .parsers.entry import WireEntry
from .parsers.wire import SUFFIXES, parse_download, parse_file
from .store import Outcome, wire_items_store


@dataclass
class PollReport:
    source: Source
    counts: Counter = field(default_factory=Counter)
    error: str = ""  # the whole poll failed: nothing was read
    problems: list[str] = field(default_factory=list)  # single files or items that failed
    not_modified: bool = False
    busy: bool = False  # another poll holds the source: this one read nothing

    @property
    def ok(self) -> bool:
        return not self.error


# How long a claimed source is left to the poll that claimed it; renewed after every batch.
POLL_LEASE = 600

# Called with (entries done, entries in all) as the poll goes, for progress bars.
Progress = Callable[[int, int], None]


def fetch_limits() -> Limits:
    return Limits(
        max_bytes=settings.NEWSDESK_INGEST_MAX_BYTES,
        connect_timeout=settings.NEWSDESK_INGEST_CONNECT_TIMEOUT,
        read_timeout=settings.NEWSDESK_INGEST_READ_TIMEOUT,
        deadline=settings.NEWSDESK_INGEST_DEADLINE,
    )


def source_claim(
    *, source: Source, now: datetime | None = None, due_only: bool = False
) -> str | None:
    """Claim `source` for one poll: a token to release it with, or None if another poll holds it.

    With `due_only`, only a source whose poll time has come (at `now`) is claimed. The lease
    is measured on the real clock, whatever `now` a caller polls "as of".
    """
    # Who holds it: this machine and process, so that a poll killed here is seen to be gone.
    token = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid4().hex[:16]}"
    now = now or timezone.now()
    current = timezone.now()
    sources = Source.objects.due(now) if due_only else Source.objects.all()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lte=current)
    lease = {"claimed_until": current + timedelta(seconds=POLL_LEASE), "claimed_by": token}
    if sources.filter(free, pk=source.pk).update(**lease):
        return token
    holder = Source.objects.filter(pk=source.pk).values_list("claimed_by", flat=True).first()
    # A holder killed on this machine (kill -9, out of memory) need not wait for its lease.
    gone = holder and _holder_gone(holder)
    if gone and sources.filter(pk=source.pk, claimed_by=holder).update(**lease):
        return token
    return None


def _holder_gone(holder: str) -> bool:
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname()[:60] or not pid.isdigit() or int(pid) == os.getpid():
        return False  # another machine's, or ours: only its lease can tell
    try:
        os.kill(int(pid), 0)  # signal 0: is there such a process?
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _renew(source: Source, token: str) -> bool:
    """Extend the lease; False if it ran out and another poll has taken the source since."""
    lease = timezone.now() + timedelta(seconds=POLL_LEASE)
    return bool(Source.objects.filter(pk=source.pk, claimed_by=token).update(claimed_until=lease))


def _release(source: Source, token: str) -> None:
    Source.objects.filter(pk=source.pk, claimed_by=token).update(claimed_until=None, claimed_by="")


def source_poll(
    *,
    source: Source,
    now: datetime | None = None,
    progress: Progress | None = None,
    claim: str | None = None,
) -> PollReport:
    """Poll one source now, whatever its schedule; record its health; report what happened.

    The source is claimed first (or `claim` is the token of a claim the caller took); when
    another poll holds it, nothing is read and the report says `busy`.
    """
    now = now or timezone.now()
    token = claim or source_claim(source=source, now=now)
    if token is None:
        return PollReport(source=source, busy=True)
    try:
        return _poll(source, token=token, now=now, progress=progress)
    finally:
        _release(source, token)


def _poll(source: Source, *, token: str, now: datetime, progress: Progress | None) -> PollReport:
    report = PollReport(source=source)
    try:
        if source.kind == Source.Kind.FOLDER:
            batches = list(_folder_batches(source, report))
            result = None
        else:
            result, batches = _download(source)
    except (FetchError, ParseError, OSError) as exc:
        report.error = " ".join(str(exc).split()) or type(exc).__name__
        report.counts[Outcome.FAILED] += 1
        _record(source, report, now=now, result=None)
        return report

    total = sum(len(entries) for entries in batches)
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    for entries in batches:
        if not _renew(source, token):
            # Our lease ran out and another poll holds the source: it finishes the job.
            report.problems.append("The poll took longer than its claim on the source; stopped.")
            return report
        try:
            results = wire_items_store(source=source, entries=entries, now=now, progress=advance)
        except (DatabaseError, ValueError) as exc:
            # The batch was rolled back whole; the next poll tries it again.
            report.counts[Outcome.FAILED] += len(entries)
            report.problems.append(
                f"{len(entries)} items not stored: {' '.join(str(exc).split())[:300]}"
            )
            continue
        report.counts.update(outcome for _item, outcome in results)
    if result is not None and result.not_modified:
        report.not_modified = True
    _record(source, report, now=now, result=result)
    return report


def _download(source: Source) -> tuple[FetchResult, list[list[WireEntry]]]:
    if not source.url:
        raise FetchError("The source has no address; add one in the admin.")
    result = fetch(
        source.url,
        allow_private=source.allow_private_network,
        etag=source.etag,
        last_modified=source.last_modified,
        limits=fetch_limits(),
    )
    if result.not_modified:
        return result, []
    entries = run_limited(
        parse_download,
        result.content,
        content_type=result.content_type,
        url=result.url,
        expect=str(source.kind),
    )
    return result, [entries]


def _folder_batches(source: Source, report: PollReport) -> Iterator[list[WireEntry]]:
    folder = folder_resolve(source.path, allow_outside=source.allow_any_folder)
    if not folder.is_dir():
        raise FetchError(f"The drop folder {source.path!r} does not exist or is not a folder.")
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        if path.suffix.lower() not in SUFFIXES:
            continue
        try:
            data = folder_file_read(
                path, folder=folder, max_bytes=settings.NEWSDESK_INGEST_MAX_BYTES
            )
            yield run_limited(parse_file, data, filename=path.name)
        except (ParseError, OSError) as exc:
            report.counts[Outcome.FAILED] += 1
            reason = getattr(exc, "strerror", None) or " ".join(str(exc).split())
            report.problems.append(f"{path.name}: {reason}")


def _record(source: Source, report: PollReport, *, now: datetime, result: FetchResult | None):
    """Health after a poll: success resets the delay, failure doubles it (up to a day)."""
    source.last_polled_at = now
    if report.error:
        source.consecutive_failures += 1
        source.last_error = report.error
        source.last_error_at = now
        delay = min(
            source.poll_interval * 2 ** min(source.consecutive_failures, 20),
            settings.NEWSDESK_INGEST_MAX_BACKOFF,
        )
    else:
        source.consecutive_failures = 0
        source.last_success_at = now
        if report.problems:
            source.last_error = "; ".join(report.problems)[:5000]
            source.last_error_at = now
        if result is not None and not result.not_modified:
            source.etag = result.etag[:300]
            source.last_modified = result.last_modified[:100]
        delay = source.poll_interval
    source.next_poll_at = now + timedelta(seconds=max(delay, 1))
    source.save(
        update_fields=[
            "last_polled_at",
            "consecutive_failures",
            "last_error",
            "last_error_at",
            "last_success_at",
            "etag",
            "last_modified",
            "next_poll_at",
        ]
    )


def sources_poll_due(*, now: datetime | None = None) -> list[PollReport]:
    """Poll every source whose time has come; one failing source never stops the others."""
    now = now or timezone.now()
    reports = []
    for source in Source.objects.due(now):
        # Still due and free when claimed: with several workers, only one polls it.
        token = source_claim(source=source, now=now, due_only=True)
        if token:
            reports.append(source_poll(source=source, now=now, claim=token))
    return reports
