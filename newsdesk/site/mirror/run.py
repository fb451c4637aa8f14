"""Running a mirror's jobs, in this process or in worker processes, and recording what they made.

`Run` hands jobs (produce.py) to a `Producer` here, or for a parallel export to worker
processes forked from this one, and records each file in the index as it comes back; a file
whose source now answers 404 is deleted. It follows up on what files say: a sitemap index's
pages, the new address a story moved to. `Report` is what an export or an update did.
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import connections
from django.urls import reverse

from .index import FileRow, ListRow
from .lists import ListSpec
from .produce import GetJob, MirrorRenderError, Produced, Producer, remove_file

if TYPE_CHECKING:
    from .build import Mirror


@dataclass
class Report:
    written: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    written_count: int = 0
    deleted_count: int = 0
    unchanged: int = 0
    missing: set[str] = field(default_factory=set)  # assets pages use that were not found
    seconds: float = 0.0
    detail: bool = True  # keep the paths (an export of a large archive keeps counts only)

    @property
    def touched(self) -> set[str]:
        return self.written | self.deleted

    def wrote(self, path: str) -> None:
        self.written_count += 1
        if self.detail:
            self.written.add(path)

    def removed(self, path: str) -> None:
        self.deleted_count += 1
        if self.detail:
            self.deleted.add(path)


def head_job(spec: ListSpec) -> GetJob:
    return GetJob(
        spec.base,
        kind="list",
        list_id=spec.id,
        list_base=spec.base,
        extra_keys=frozenset(spec.own_keys),
    )


def feed_job(spec: ListSpec, path: str) -> GetJob:
    return GetJob(path, kind="feed", list_id=spec.id, extra_keys=frozenset(spec.own_keys))


def story_jobs(news_id: int, slug: str) -> list[GetJob]:
    page = reverse("site:article", kwargs={"news_id": news_id, "slug": slug})
    short = reverse("site:short", kwargs={"news_id": news_id})
    return [GetJob(page, kind="article"), GetJob(short, kind="article")]


def job_for(row: FileRow, lists: dict[str, ListRow]) -> GetJob:
    path, _, query = row.source.partition("?")
    if row.kind == "feed" and row.list_id in lists:
        list_row = lists[row.list_id]
        spec = ListSpec(list_row.kind, list_row.pk, list_row.slug)
        return feed_job(spec, path)
    return GetJob(path, query, kind=row.kind, list_id=row.list_id)


def chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


_worker: Producer | None = None


def _worker_start(folder: str, base_url: str, comments: str) -> None:
    global _worker
    _worker = Producer(Path(folder), base_url=base_url, comments=comments)


def _worker_run(job) -> Produced:
    return _worker.run(job)


class Run:
    """One export or update: runs jobs, records what they made, follows up on what they say
    (a sitemap index's pages, the new address of a story that moved)."""

    def __init__(self, mirror: Mirror, *, gen: int, export: bool, jobs: int = 1, **report):
        self.mirror, self.index, self.gen, self.export = mirror, mirror.index, gen, export
        self.report = Report(detail=report.get("detail", True))
        self.progress = report.get("progress")
        self.expected_next: dict[str, str | None] = {}
        self.pool = None
        if jobs > 1:
            # Worker processes start from this one: no connection may cross the fork.
            connections.close_all()
            self.index.close()
            context = multiprocessing.get_context("fork")
            self.pool = context.Pool(
                jobs,
                initializer=_worker_start,
                initargs=(str(mirror.folder), mirror.base_url, mirror.comments),
            )
        else:
            mirror.producer().begin()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()
            self.pool = None

    def jobs(self, jobs: Iterable) -> list[Produced]:
        """Run `jobs` and their follow-ups; the results of `jobs` themselves."""
        todo, first, kept = list(jobs), True, []
        while todo:
            if self.pool is not None:
                done = self.pool.imap_unordered(_worker_run, todo, chunksize=8)
            else:
                producer = self.mirror.producer()
                done = (producer.run(job) for job in todo)
            todo = []
            for chunk in chunks(done, 200):
                todo += self._record(chunk)
                if first:
                    kept += chunk
            first = False
        return kept if not self.export else []

    def _record(self, produced: list[Produced]) -> list:
        follow: list = []
        gone: list[str] = []
        index = self.index
        with index.transaction() as db:
            for item in produced:
                if item.status == "gone":
                    row = index.file_by_source(item.source)
                    if row is not None:
                        index.file_remove(db, row.path)
                        gone.append(row.path)
                    continue
                stale = index.file_put(
                    db,
                    path=item.path,
                    source=item.source,
                    kind=item.kind,
                    list_id=item.list_id,
                    anchor=item.anchor,
                    keys=item.keys,
                    assets=item.assets,
                    gen=self.gen,
                )
                if stale is not None and stale.path != item.path:
                    gone.append(stale.path)
                if item.status == "written":
                    self.report.wrote(item.path)
                else:
                    self.report.unchanged += 1
                self.report.missing |= item.missing
                follow += self._follow_ups(db, item)
        for path in gone:
            if remove_file(self.mirror.folder, path):
                self.report.removed(path)
        if self.progress:
            self.progress(self.report)
        return follow

    def _follow_ups(self, db, item: Produced) -> list:
        if item.kind == "list" and item.anchor is None and item.list_id in self.expected_next:
            expected = self.expected_next.pop(item.list_id)
            if item.next_cursor != expected:
                raise MirrorRenderError(
                    f"The first page of {item.list_id} leads to {item.next_cursor}, but its "
                    f"stories, read as the mirror reads them, to {expected}: the site's list "
                    "view and newsdesk/site/mirror/lists.py no longer read the same stories."
                )
        follow = []
        if item.children:
            wanted = {GetJob(path, query, kind="sitemap") for path, query in item.children}
            for job in wanted:
                if self.export or self.index.file_by_source(job.source) is None:
                    follow.append(job)
            if not self.export:
                sources = {job.source for job in wanted}
                for row in self.index.files_of_kind("sitemap"):
                    if row.source not in sources:
                        self.index.file_remove(db, row.path)
                        if remove_file(self.mirror.folder, row.path):
                            self.report.removed(row.path)
        if item.redirect_to and not self.export:
            path, _, query = item.redirect_to.partition("?")
            job = GetJob(path, query, kind="article" if item.kind == "article" else "page")
            if self.index.file_by_source(job.source) is None:
                follow.append(job)
        return follow

    def remove(self, path: str) -> None:
        with self.index.transaction() as db:
            self.index.file_remove(db, path)
        if remove_file(self.mirror.folder, path):
            self.report.removed(path)
