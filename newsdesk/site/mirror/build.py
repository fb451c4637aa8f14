"""The export, and keeping the mirror current: which files to make, remake and delete.

    mirror = Mirror.prepare(folder, base_url="https://mirror.example.org", comments="link")
    mirror.export(jobs=2)                      # the whole public site, in bounded memory
    mirror.keys_purged(["article-12", "list-home", "sitemap", ...])

An export walks the site by its data, not by crawling: robots.txt (and the site's icon and
manifest), the sitemaps (the index names its pages), the 404 page, every list at every depth
with its feeds (lists.py), every published story's page and short address. An update takes
the keys a purge names and remakes exactly the files that show one of them (the index says
which), adds the pages of stories that came out, deletes the files of stories readers may no
longer see, and repairs the lists around them.
Only files whose copy changed are written. Pictures and static files no file uses are deleted.

One process at a time holds the mirror's lock and writes. Keys purged meanwhile are kept in
the index (`pending`) and applied by the holder before it lets go: a purge is never lost.
"""

from __future__ import annotations

import fcntl
import functools
import itertools
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from newsdesk.articles import keys as article_keys
from newsdesk.articles.models import Article
from newsdesk.core.surrogate import ALL
from newsdesk.feeds.sitemaps import BLOCK as SITEMAP_BLOCK

from .index import SCHEMA_VERSION, FileRow, ListRow, MirrorIndex
from .lists import (
    ListSpec,
    all_specs,
    chain_repair,
    containing,
    covering,
    cursor_of,
    cursor_text,
    language_feeds,
)
from .produce import (
    NOT_FOUND_SOURCE,
    GetJob,
    ListJob,
    Producer,
    list_source,
    remove_file,
)
from .rewrite import COMMENT_MODES, site_files
from .run import Report, Run, chunks, feed_job, head_job, job_for, story_jobs
from .watch import purge_log_position

logger = logging.getLogger(__name__)

BATCH = 2000  # jobs handed out (and results recorded) at a time
# Keys that may add, remove or move a whole list (a section, keyword or author; list heads).
_LIST_KEYS = (article_keys.SECTIONS, article_keys.KEYWORDS, article_keys.AUTHORS)
_LIST_KEY_PREFIXES = ("section-", "keyword-", "author-")


class MirrorError(Exception):
    """What an operator must change: said plainly, by `newsdesk mirror` and the system checks."""


def base_url_checked(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise MirrorError(f"{url!r} is not a base URL: give one such as https://mirror.example.org")
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise MirrorError(
            f"{url!r} has a path: a mirror is served from the root of its host (its pages link "
            "from /), e.g. https://mirror.example.org"
        )
    return f"{parts.scheme}://{parts.netloc}"


class Mirror:
    def __init__(self, folder: Path | str):
        self.folder = Path(folder).resolve()
        self.index = MirrorIndex(self.folder)
        self._producer: Producer | None = None

    @classmethod
    def prepare(
        cls, folder: Path | str, *, base_url: str | None = None, comments: str | None = None
    ) -> Mirror:
        """The mirror in `folder` (made if new) with these settings; unset ones stay as they
        were, or come from NEWSDESK_MIRROR_BASE_URL / NEWSDESK_MIRROR_COMMENTS."""
        folder = Path(folder).resolve()
        if folder.exists() and not folder.is_dir():
            raise MirrorError(f"{folder} is a file, not a folder.")
        if folder.exists() and not MirrorIndex.exists_in(folder) and any(folder.iterdir()):
            raise MirrorError(
                f"{folder} is not empty and holds no Newsdesk mirror: choose an empty or new "
                "folder (the mirror deletes what it no longer needs, and only what it wrote)."
            )
        folder.mkdir(parents=True, exist_ok=True)
        mirror = cls(folder)
        index = mirror.index
        base = (
            base_url
            or index.meta("base_url")
            or settings.NEWSDESK_MIRROR_BASE_URL
            or settings.NEWSDESK_SITE_URL
        )
        comments = comments or index.meta("comments") or settings.NEWSDESK_MIRROR_COMMENTS
        if comments not in COMMENT_MODES:
            raise MirrorError(
                f"Comments on the mirror are 'link' (a link to the story on the origin) or "
                f"'origin' (the origin's comment form), not {comments!r}."
            )
        index.meta_set(base_url=base_url_checked(base), comments=comments, schema=SCHEMA_VERSION)
        return mirror

    @property
    def base_url(self) -> str:
        return self.index.meta("base_url") or settings.NEWSDESK_SITE_URL

    @property
    def comments(self) -> str:
        return self.index.meta("comments") or "link"

    @property
    def exported(self) -> bool:
        return MirrorIndex.exists_in(self.folder) and self.index.meta("exported_at") is not None

    def producer(self) -> Producer:
        if self._producer is None or self._producer.settings != (self.base_url, self.comments):
            self._producer = Producer(self.folder, base_url=self.base_url, comments=self.comments)
        return self._producer

    # The lock ---------------------------------------------------------------------------------

    @contextmanager
    def _lock(self, *, wait: bool) -> Iterator[bool]:
        self.index.folder.mkdir(parents=True, exist_ok=True)
        with open(self.index.folder / "lock", "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # The export -------------------------------------------------------------------------------

    def export(self, *, jobs: int = 1, detail: bool = True, progress=None) -> Report:
        """Write the whole public site; files of an earlier export it did not make again go."""
        with self._lock(wait=True):
            report = self._export(jobs=jobs, detail=detail, progress=progress)
        self.drain()
        return report

    def _export(self, *, jobs: int = 1, detail: bool = True, progress=None) -> Report:
        started = time.perf_counter()
        index = self.index
        index.pending_clear()  # what was purged before now is rendered as it is now
        position = purge_log_position()
        gen = index.generation_next()
        run = Run(self, gen=gen, export=True, jobs=jobs, detail=detail, progress=progress)
        try:
            run.jobs(
                [
                    *(GetJob(path, kind="site") for path in site_files()),
                    GetJob(NOT_FOUND_SOURCE, kind="notfound"),
                    GetJob(reverse("feeds:sitemap-index"), kind="sitemap-index"),
                    *(GetJob(path, kind="feed") for path in language_feeds()),
                ]
            )
            batch: list = []
            for spec in all_specs():
                batch += self._list_build(spec, run)
                if len(batch) >= BATCH:
                    run.jobs(batch)
                    batch = []
            run.jobs(batch)
            stories = Article.objects.published().order_by("news_id").values_list("news_id", "slug")
            for chunk in chunks(stories.iterator(chunk_size=BATCH), BATCH // 2):
                run.jobs(job for news_id, slug in chunk for job in story_jobs(news_id, slug))
        finally:
            run.close()
        for path in index.files_older_than(gen):
            run.remove(path)
        self._assets_collect()
        index.meta_set(
            exported_at=timezone.now().isoformat(),
            page_size=str(settings.NEWSDESK_PAGE_SIZE),
            languages=_languages(),
            purge_log=position,
        )
        run.report.seconds = time.perf_counter() - started
        return run.report

    def _list_build(self, spec: ListSpec, run: Run) -> list:
        """Record a list's pages as the origin's own cursors make them; their jobs."""
        anchors = list(spec.export_anchors(settings.NEWSDESK_PAGE_SIZE))
        texts = [cursor_text(a) for a in anchors]
        row = ListRow(
            spec.id, spec.kind, spec.pk, spec.slug, spec.base, texts[0] if texts else None
        )
        with self.index.transaction() as db:
            self.index.list_put(db, row, texts)
        run.expected_next[spec.id] = row.head_next
        jobs: list = [head_job(spec)]
        jobs += [feed_job(spec, path) for path in spec.feeds()]
        for i, anchor in enumerate(anchors):
            jobs.append(ListJob(spec, anchor, anchors[i + 1] if i + 1 < len(anchors) else None))
        return jobs

    # Keeping it current -----------------------------------------------------------------------

    def keys_purged(self, keys: Iterable[str]) -> list[Report]:
        """Apply a purge of `keys` now, or leave it to whoever is updating the mirror now."""
        keys = set(keys)
        if not keys:
            return []
        self.index.pending_add(keys)
        if not self.exported:
            logger.warning(
                "The mirror in %s has not been exported yet: run `newsdesk mirror %s` once.",
                self.folder,
                self.folder,
            )
            return []
        return self.drain()

    def drain(self) -> list[Report]:
        """Apply every pending purge, unless another process holds the lock (it will)."""
        reports = []
        while True:
            with self._lock(wait=False) as got:
                if not got:
                    return reports
                while keys := self.index.pending_take():
                    try:
                        reports.append(self._update(keys))
                    except BaseException:
                        self.index.pending_add(keys)  # kept for the next try: never lost
                        raise
            if not self.index.pending_any():
                return reports

    def _update(self, keys: set[str]) -> Report:
        started = time.perf_counter()
        index = self.index
        if (
            ALL in keys
            or index.meta("page_size") != str(settings.NEWSDESK_PAGE_SIZE)
            or index.meta("languages", _languages()) != _languages()
        ):
            return self._export()  # every page changes: its pager, or its head's feeds
        run = Run(self, gen=int(index.meta("generation", "0")), export=False)
        lists = index.lists()
        rebuilt: set[str] = set()
        if _lists_may_change(keys, lists):
            rebuilt = self._lists_sync(lists, run)
            lists = index.lists()
        work: dict[str, tuple[list[bool], set]] = defaultdict(lambda: ([False], set()))
        others = []
        visible = _visible_stories(keys)
        entering: dict[str, list] = defaultdict(list)  # list -> cursors of the stories changed
        for article in visible:
            for spec in containing(article):
                entering[spec.id].append((article.published_at, article.pk))
        blocks = _sitemap_blocks(keys)
        floors: dict[str, object] = {}
        story_change = bool(_news_ids(keys))
        for row in index.files_showing(keys):
            if row.list_id in rebuilt or not _block_wanted(row, blocks):
                continue
            if story_change and self._window_untouched(row, keys, lists, entering, floors):
                continue
            if row.kind == "list":
                head, anchors = work[row.list_id]
                if row.anchor is None:
                    head[0] = True
                else:
                    anchors.add(cursor_of(row.anchor))
            else:
                others.append(job_for(row, lists))
        chains: dict[str, list] = {}
        for article in visible:
            for job in story_jobs(article.news_id, article.slug):
                if index.file_by_source(job.source) is None:
                    others.append(job)
            for spec in containing(article):
                if spec.id in rebuilt or spec.id not in lists:
                    continue
                if spec.id not in chains:
                    chain = sorted((cursor_of(a) for a in index.anchors(spec.id)), reverse=True)
                    chains[spec.id] = chain
                holder = covering(chains[spec.id], (article.published_at, article.pk))
                if holder is not None:  # else on the head, whose key its change purged
                    work[spec.id][1].add(holder)
        run.jobs(others)
        for list_id, (head, anchors) in work.items():
            if list_id in lists:
                self._list_repair(lists[list_id], head[0], anchors, run)
        self._assets_collect()
        run.report.seconds = time.perf_counter() - started
        return run.report

    def _window_untouched(self, row: FileRow, keys, lists, entering, floors) -> bool:
        """Whether a list's first page or feed would render the same: the purge names it by
        the list's head key alone, it names the stories that changed (a story's change always
        does: articles/keys.py), and none of them is now among the stories it shows (a story
        that left them is one it names). A story edited deep in a busy list then costs no
        render of its head. The home page is always rendered: it shows top stories too."""
        if row.kind not in ("list", "feed") or row.anchor is not None:
            return False
        list_row = lists.get(row.list_id)
        if list_row is None or (row.kind == "list" and list_row.kind == "home"):
            return False
        spec = ListSpec(list_row.kind, list_row.pk, list_row.slug)
        if row.keys & (keys - {spec.head_key}):
            return False
        if row.kind == "list":
            floor = cursor_of(list_row.head_next) if list_row.head_next else None
        else:
            if row.list_id not in floors:
                floors[row.list_id] = spec.floor(settings.NEWSDESK_FEED_ITEMS)
            floor = floors[row.list_id]
        return not any(floor is None or c >= floor for c in entering.get(row.list_id, ()))

    def _lists_sync(self, lists: dict[str, ListRow], run: Run) -> set[str]:
        """Lists that appeared, went or moved (a new slug): built, deleted, or both."""
        specs = {spec.id: spec for spec in all_specs()}
        for list_id, row in lists.items():
            spec = specs.get(list_id)
            if spec is None or spec.base != row.base:
                self._list_drop(list_id, run)
        built = set()
        for list_id, spec in specs.items():
            row = lists.get(list_id)
            if row is None or row.base != spec.base:
                run.jobs(self._list_build(spec, run))
                built.add(list_id)
        return built

    def _list_drop(self, list_id: str, run: Run) -> None:
        for row in self.index.files_of_list(list_id):
            run.remove(row.path)
        with self.index.transaction() as db:
            self.index.list_remove(db, list_id)

    def _list_repair(self, row: ListRow, head_dirty: bool, dirty: set, run: Run) -> None:
        spec = ListSpec(row.kind, row.pk, row.slug)
        chain = [cursor_of(a) for a in self.index.anchors(row.id)]
        before = cursor_of(row.head_next) if row.head_next else None
        after = before
        if head_dirty:
            [head] = run.jobs([head_job(spec)])
            if head.status == "gone":
                self._list_drop(row.id, run)
                return
            after = cursor_of(head.next_cursor) if head.next_cursor else None
        repair = chain_repair(
            chain=chain,
            head_next_before=before,
            head_next=after,
            dirty=dirty,
            size=settings.NEWSDESK_PAGE_SIZE,
            between=spec.between,
        )
        for anchor in repair.drop:
            found = self.index.file_by_source(list_source(row.id, cursor_text(anchor)))
            if found is not None:
                run.remove(found.path)
        below = dict(itertools.pairwise(repair.chain))
        run.jobs(ListJob(spec, anchor, below.get(anchor)) for anchor in repair.render)
        texts = [cursor_text(a) for a in repair.chain]
        with self.index.transaction() as db:
            self.index.list_put(
                db, replace(row, head_next=cursor_text(after) if after else None), texts
            )

    def _assets_collect(self) -> None:
        """Delete the pictures and static files that no file of the mirror uses any more."""
        unused = self.index.assets_unused()
        with self.index.transaction() as db:
            for path in unused:
                remove_file(self.folder, path.lstrip("/"))
                remove_file(self.folder, path.lstrip("/") + ".gz")
                self.index.asset_forget(db, path)


def _languages() -> str:
    return " ".join(code for code, _ in settings.LANGUAGES)


def _lists_may_change(keys: set[str], lists: dict[str, ListRow]) -> bool:
    """Whether a purge may add, remove or move a list: a section, keyword or author changed
    (or one of their collections), or the head of a list the mirror does not have yet."""
    heads = {ListSpec(row.kind, row.pk, row.slug).head_key for row in lists.values()}
    return any(
        key in _LIST_KEYS
        or key.startswith(_LIST_KEY_PREFIXES)
        or (key.startswith("list-") and key not in heads)
        for key in keys
    )


def _news_ids(keys: Iterable[str]) -> list[int]:
    numbers = (key.removeprefix("article-") for key in keys if key.startswith("article-"))
    return [int(number) for number in numbers if number.isdigit()]


@functools.cache
def _article_sitemap() -> str:
    return reverse("feeds:sitemap", kwargs={"section": "articles"})


def _sitemap_blocks(keys: set[str]) -> set[int] | None:
    """The article sitemap pages a purge can change: the blocks of the stories it names. The
    `sitemap` key is purged with the stories that changed (articles/keys.py), so a block of
    50,000 other stories is not rendered again to find it unchanged. None: every block (the
    key purged on its own, by an operator)."""
    ids = _news_ids(keys)
    if article_keys.SITEMAP not in keys or not ids:
        return None
    return {news_id // SITEMAP_BLOCK + 1 for news_id in ids}


def _block_wanted(row: FileRow, blocks: set[int] | None) -> bool:
    if blocks is None or row.kind != "sitemap":
        return True
    path, _, query = row.source.partition("?")
    if path != _article_sitemap():
        return True
    page = int(query.removeprefix("p=")) if query.startswith("p=") else 1
    return page in blocks


def _visible_stories(keys: set[str]) -> list[Article]:
    """The stories among the purged keys that readers see now."""
    ids = _news_ids(keys)
    found = []
    for start in range(0, len(ids), 500):
        found += list(
            Article.objects.published()
            .filter(news_id__in=ids[start : start + 500])
            .select_related("section")
            .prefetch_related("keywords", "authors")
            .only("news_id", "slug", "published_at", "section", "section__slug")
        )
    return found
