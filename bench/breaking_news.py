"""A breaking-news replay through Varnish and `newsdesk serve`: hit ratio, origin load, purge time.

    .venv/bin/python bench/breaking_news.py                       # 300,000 articles, 5 min
    .venv/bin/python bench/breaking_news.py --articles 1000 --seconds 60 --no-write

Set-up: the synthetic archive of --articles stories (bench/_archive.py, built once) is copied
into a scratch data folder and migrated (the kept archive is never written to); varnishd runs
deploy/varnish/newsdesk.vcl as shipped (docs/operations.md's command line), in front of
`newsdesk serve --workers N` *with* its task worker and NEWSDESK_PURGE_URLS pointing at that
Varnish, so every purge takes the real path: service -> on commit -> article_effects_run ->
purge_run (the origin's page cache) -> edge_purge_run (an xkey PURGE to Varnish).

Readers (a bounded pool of --threads client threads, keep-alive, at --rate requests/s on a
fixed schedule for --seconds, so at most rate x seconds requests) ask Varnish for:
--home of the views the home page, --sections a section front, --breaking a story published
during the run (newest most, 1/rank), and the rest an archive story drawn by Zipf popularity
(exponent --zipf over all stories, the most popular the most recent). Every kept edge cache has
been running for a while: before the replay, every archive page the replay will ask for, the
home page and every section front are fetched once through Varnish (the figure a cold edge
would have given instead is reported too).

The newsroom (bench/_newsroom.py, one process with the server's settings and data folder)
publishes a new story every --publish-every seconds (article_save + article_publish) and edits
one every --edit-every seconds (article_save; half of the edits go to a story published during
the run, half to one of the 100 most popular). After each commit a poller asks Varnish for the
changed page (the home page for a new story, the story's page for an edit) every 20 ms until
it shows the change: the time from the commit to the edge serving it.

Reported: views and the edge hit ratio (X-Cache on every reader answer; target at least 99 %),
origin requests per 10,000 views (readers' misses and passes; and every backend request
Varnish made in the window, the pollers' included), change-to-edge times p50/p99/max (target
p99 under 1 s), reader latencies, and the machine's load. Readers, pollers, Varnish, the origin
and its task worker share the machine's two cores (not pinned; the bench's processes at
nice -10 ahead of other work on the machine).
"""

from __future__ import annotations

import argparse
import collections
import http.client
import itertools
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _archive import archive  # noqa: E402
from _archive import env as archive_env
from _report import ROOT, machine, today, write_section  # noqa: E402
from _stack import PRIORITY, Stack, free_port, get, load, scratch_archive, varnishstat  # noqa: E402

POLL_EVERY = 0.02
POLL_GIVE_UP = 20.0


def archive_paths(data_dir: Path) -> tuple[list[str], list[str], list[int]]:
    """Stories' canonical paths, most recent first; section fronts; stories' News IDs."""
    db = sqlite3.connect(data_dir / "newsdesk.sqlite3")
    try:
        rows = db.execute(
            "SELECT news_id, slug FROM articles_article WHERE status = 'published' "
            "ORDER BY published_at DESC, id DESC"
        ).fetchall()
        sections = [s for (s,) in db.execute("SELECT slug FROM articles_section ORDER BY id")]
    finally:
        db.close()
    paths = [f"/news/{news_id}/{quote(slug)}/" for news_id, slug in rows]
    return paths, [f"/section/{quote(s)}/" for s in sections], [n for n, _ in rows]


class Plan:
    """What reader request i asks for: drawn in advance (a fixed seed), except which breaking
    story, which depends on what has been published by then."""

    def __init__(self, args, paths: list[str], sections: list[str]):
        import numpy as np

        self.total = int(args.rate * args.seconds)
        rng = np.random.default_rng(args.seed)
        weights = 1.0 / np.arange(1, len(paths) + 1) ** args.zipf
        cdf = np.cumsum(weights)
        cdf /= cdf[-1]
        self.rank = np.searchsorted(cdf, rng.random(self.total))
        draw = rng.random(self.total)
        self.kind = np.full(self.total, "article", dtype=object)
        self.kind[draw < args.home + args.sections + args.breaking] = "breaking"
        self.kind[draw < args.home + args.sections] = "section"
        self.kind[draw < args.home] = "home"
        self.pick = rng.random(self.total)
        self.paths, self.sections = paths, sections
        self.breaking: list[str] = []  # newest last
        self.lock = threading.Lock()

    def request(self, i: int) -> tuple[str, str]:
        kind = self.kind[i]
        if kind == "home":
            return kind, "/"
        if kind == "section":
            return kind, self.sections[int(self.pick[i] * len(self.sections))]
        if kind == "breaking":
            with self.lock:
                stories = list(self.breaking)
            if stories:
                weights = list(itertools.accumulate(1 / r for r in range(1, len(stories) + 1)))
                n = next(k for k, w in enumerate(weights) if w >= self.pick[i] * weights[-1])
                return kind, stories[-1 - n]
            kind = "article"  # nothing published yet: an archive story instead
        return kind, self.paths[int(self.rank[i])]

    def archive_pages(self) -> list[str]:
        wanted = sorted(
            {
                int(r)
                for r, k in zip(self.rank, self.kind, strict=True)
                if k in ("article", "breaking")
            }
        )
        return [self.paths[r] for r in wanted]


def warm(port: int, paths: list[str], threads: int = 4) -> tuple[int, float, int]:
    """Fetch every path once through Varnish; (pages, seconds, failures)."""
    started = time.perf_counter()
    todo = iter(paths)
    lock = threading.Lock()
    failures = []

    def work():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                path = next(todo, None)
            if path is None:
                return
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                failures.append((path, response.status))

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return len(paths), time.perf_counter() - started, len(failures)


def readers(port: int, plan: Plan, args, start: float, records: list) -> None:
    counter = itertools.count()
    lock = threading.Lock()
    deadline = start + args.seconds

    def work():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                i = next(counter)
            if i >= plan.total:
                return
            due = start + i / args.rate
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            if time.monotonic() >= deadline:
                return
            kind, path = plan.request(i)
            sent = time.monotonic()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                status, cache = response.status, response.getheader("X-Cache", "")
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status, cache = 0, "ERROR"
            records.append((sent - start, kind, path, status, cache, time.monotonic() - sent))

    pool = [threading.Thread(target=work, daemon=True) for _ in range(args.threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(args.seconds + 60)


def poll_until(port: int, path: str, marker: bytes, committed: float) -> dict:
    """Ask Varnish for `path` until it shows `marker`; seconds from `committed` to that."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    polls = 0
    purged = None  # when the edge first stopped answering with its kept copy
    give_up = time.time() + POLL_GIVE_UP
    while time.time() < give_up:
        polls += 1
        sent = time.time()
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        cache = response.getheader("X-Cache", "")
        if purged is None and cache != "HIT":
            purged = sent - committed
        if marker in body:
            return {
                "seconds": time.time() - committed,
                "purged": purged,
                "last": time.time() - sent,  # the answer that showed it took this long
                "polls": polls,
                "cache": cache,
                "status": response.status,
            }
        time.sleep(POLL_EVERY)
    return {"seconds": None, "purged": purged, "polls": polls, "cache": "", "status": 0}


def newsroom(editor, port: int, plan: Plan, popular: list[int], args, start: float, changes):
    """Publish every --publish-every s and edit every --edit-every s until the end; each
    change's poller runs in a thread of its own."""
    rng = random.Random(args.seed + 1)
    events = [(t, "edit") for t in _times(args.edit_every, args.seconds, offset=args.edit_every)]
    events += [
        (t, "publish")
        for t in _times(args.publish_every, args.seconds, offset=args.publish_every / 2)
    ]
    events.sort()
    published: list[int] = []
    pollers = []
    for n, (at, what) in enumerate(events):
        wait = start + at - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        marker = f"{'Breaking' if what == 'publish' else 'Update'} {n} {rng.getrandbits(32):08x}"
        if what == "publish":
            command = {"do": "publish", "marker": marker}
        else:
            fresh = published and (rng.random() < 0.5)
            news_id = rng.choice(published) if fresh else rng.choice(popular)
            command = {"do": "edit", "news_id": news_id, "marker": marker}
        editor.stdin.write(json.dumps(command) + "\n")
        editor.stdin.flush()
        answer = json.loads(editor.stdout.readline())
        if what == "publish":
            published.append(answer["news_id"])
            with plan.lock:
                plan.breaking.append(answer["path"])
        watch = "/" if what == "publish" else answer["path"]
        change = {"what": what, "at": at, "path": watch, **answer}
        changes.append(change)

        def poll(change=change, marker=marker):
            change.update(poll_until(port, change["path"], marker.encode(), change["committed"]))

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        pollers.append(poller)
    for poller in pollers:
        poller.join(POLL_GIVE_UP + 5)


def _times(every: float, seconds: float, *, offset: float) -> list[float]:
    times, t = [], offset
    while t < seconds - 1:
        times.append(t)
        t += every
    return times


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def run(args) -> dict:
    started = time.perf_counter()
    data_dir = archive(args.articles)
    built = (data_dir / "complete").read_text().strip()
    scratch = ROOT / "var" / "bench" / f"breaking-news-{os.getpid()}"
    copy_seconds = scratch_archive(data_dir, scratch)
    try:
        return _run(args, scratch, built, copy_seconds, started)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run(args, scratch: Path, built: str, copy_seconds: float, started: float) -> dict:
    paths, sections, news_ids = archive_paths(scratch)
    plan = Plan(args, paths, sections)
    with Stack() as stack:
        origin_port = free_port()
        edge, workdir = stack.varnish(backend_port=origin_port)
        purge_env = {"NEWSDESK_PURGE_URLS": f"http://127.0.0.1:{edge}"}
        stack.newsdesk_serve(
            scratch,
            workers=args.web_workers,
            task_worker=True,
            extra_env=purge_env,
            port=origin_port,
            verbosity=2,  # the task worker's log: how long each task took
        )
        editor = subprocess.Popen(
            [*PRIORITY, sys.executable, str(ROOT / "bench" / "_newsroom.py")],
            cwd=ROOT,
            env={**archive_env(scratch), **purge_env},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        stack.procs.append(("newsroom", editor))
        assert json.loads(editor.stdout.readline())["ready"]

        pages = plan.archive_pages()
        warmed = warm(edge, ["/", *sections, *pages])
        print(f"warmed {warmed[0]} pages in {warmed[1]:.0f} s", file=sys.stderr)
        for path in ["/", *sections, *pages[:20]]:
            status, headers, _ = get(edge, path)
            if headers.get("x-cache") != "HIT":
                raise SystemExit(f"{path} is not a hit after warm-up: {status} {headers}")

        settled = settle(stack, args.settle) if args.settle else (0.0, set())
        print(f"task worker settled in {settled[0]:.0f} s {settled[1]}", file=sys.stderr)
        start_log = len(stack.log("newsdesk"))
        before = varnishstat(workdir)
        records: list = []
        changes: list = []
        start = time.monotonic()
        room = threading.Thread(
            target=newsroom,
            args=(editor, edge, plan, news_ids[:100], args, start, changes),
            daemon=True,
        )
        room.start()
        readers(edge, plan, args, start, records)
        room.join(POLL_GIVE_UP + 30)
        after = varnishstat(workdir)
        task_log = stack.log("newsdesk")
        window_log = task_log[start_log:]
    purge_log = scratch / "purges.log"
    purges = purge_log.read_text().splitlines() if purge_log.exists() else []
    return {
        "records": records,
        "changes": changes,
        "varnish": {k: after.get(k, 0) - before.get(k, 0) for k in after},
        "varnish_after": after,
        "warmed": warmed,
        "built": built,
        "copy_seconds": copy_seconds,
        "wall": time.perf_counter() - started,
        "articles": len(paths),
        "load": load(),
        "purges": purges,
        "task_times": _task_times(window_log),
        "start_tasks": _task_times(task_log[:start_log]),
        "settled": settled,
        "task_errors": [
            line for line in task_log.splitlines() if "Traceback" in line or " ERROR " in line
        ][:20],
    }


_EXECUTED = re.compile(r"([\w.:]+): ([0-9a-f-]{36}).* executed in ([0-9.]+)s")
_STATE = re.compile(r"Task id=([0-9a-f-]{36}) path=([\w.]+) state=(\w+)")


def _task_times(log: str) -> dict[str, list[float]]:
    """Seconds each task took, by task path, from the task worker's log (huey's INFO lines;
    django-tasks jobs all run through one huey task, their own path is on their state lines)."""
    paths = {found.group(1): found.group(2) for found in _STATE.finditer(log)}
    times = collections.defaultdict(list)
    for found in _EXECUTED.finditer(log):
        name = paths.get(found.group(2), found.group(1))
        times[name].append(float(found.group(3)))
    return dict(times)


def running_tasks(log: str) -> set[str]:
    """Paths of the django-tasks jobs the worker has started and not finished."""
    running = {}
    for found in _STATE.finditer(log):
        if found.group(3) == "RUNNING":
            running[found.group(1)] = found.group(2)
        else:
            running.pop(found.group(1), None)
    return set(running.values())


def settle(stack: Stack, limit: float) -> tuple[float, set[str]]:
    """Wait (at most `limit` s) until the task worker has no job running: the jobs a worker
    runs at start on a freshly loaded archive are done. (seconds waited, still running)."""
    started = time.monotonic()
    quiet = 0
    while time.monotonic() - started < limit:
        running = running_tasks(stack.log("newsdesk"))
        quiet = quiet + 1 if not running else 0
        if quiet >= 3:
            return time.monotonic() - started, set()
        time.sleep(1)
    return time.monotonic() - started, running_tasks(stack.log("newsdesk"))


def _task_label(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def report(data: dict, args) -> str:
    records, changes = data["records"], data["changes"]
    views = len(records)
    by_cache = collections.Counter(r[4] for r in records)
    hits = by_cache["HIT"]
    origin = by_cache["MISS"] + by_cache["PASS"]
    errors = sum(1 for r in records if r[3] != 200)
    by_kind = collections.defaultdict(collections.Counter)
    for r in records:
        by_kind[r[1]][r[4]] += 1
    varnish = data["varnish"]
    ratio = hits / views if views else 0
    distinct = len({r[2] for r in records})
    new_pages = len({r[2] for r in records if r[1] == "breaking"})
    cold = (hits - (distinct - new_pages)) / views if views else 0
    seen = [c for c in changes if c.get("seconds") is not None]
    lost = [c for c in changes if c.get("seconds") is None]
    latencies = {
        "all": [c["seconds"] for c in seen],
        "publish (home page shows it)": [c["seconds"] for c in seen if c["what"] == "publish"],
        "edit (its page shows it)": [c["seconds"] for c in seen if c["what"] == "edit"],
    }
    hit_times = [r[5] * 1000 for r in records if r[4] == "HIT"]
    miss_times = [r[5] * 1000 for r in records if r[4] in ("MISS", "PASS")]
    span = max((r[0] for r in records), default=0)
    p99 = pct(latencies["all"], 99) if latencies["all"] else None
    lines = [
        "## Breaking news through Varnish (`breaking_news`)",
        "",
        f"Measured {today()} on {machine()}.",
        "Command: `.venv/bin/python bench/breaking_news.py"
        + ("" if args.articles == 300_000 else f" --articles {args.articles}")
        + ("" if args.seconds == 300 else f" --seconds {args.seconds}")
        + "`.",
        "",
        f"Archive: {data['articles']:,} published stories (built once by bench/_archive.py in "
        f"{data['built']}; copied to a scratch data folder and migrated in "
        f"{data['copy_seconds']:.0f} s). "
        f"varnishd with deploy/varnish/newsdesk.vcl as shipped (`-s malloc,1g`) in front of "
        f"`newsdesk serve --workers {args.web_workers}` with its task worker "
        "(NEWSDESK_PURGE_URLS at that Varnish). Readers: "
        f"{args.threads} threads at {args.rate:g} requests/s for {args.seconds} s "
        f"({span:.0f} s run); {args.home:.0%} home page, {args.sections:.0%} section fronts, "
        f"{args.breaking:.0%} stories published during the run, the rest archive stories by "
        f"Zipf popularity (exponent {args.zipf:g}, most recent most popular). A new story every "
        f"{args.publish_every:g} s and an edit every {args.edit_every:g} s through the services "
        "(bench/_newsroom.py). Before the replay the edge was filled with the "
        f"{data['warmed'][0]:,} pages the readers would ask for ({data['warmed'][1]:.0f} s, "
        f"{data['warmed'][2]} failures). Everything shared the 2 cores, not pinned, the "
        "bench's processes at nice -10; load average at the end "
        f"{data['load']} (other sessions' work was running too). Whole run "
        f"{data['wall'] / 60:.1f} min.",
        "",
        "| figure | value | target |",
        "| --- | ---: | --- |",
        f"| reader views | {views:,} ({errors} not 200) | |",
        f"| edge hit ratio | **{ratio * 100:.2f} %** ({hits:,} hits, "
        f"{by_cache['MISS']:,} misses, {by_cache['PASS']:,} passes) | at least 99 %: "
        + ("met" if ratio >= 0.99 else f"missed by {99 - ratio * 100:.2f} points")
        + " |",
        f"| origin requests per 10,000 views (readers' misses and passes) | "
        f"{origin / views * 10_000 if views else 0:.0f} | |",
        f"| every backend request of Varnish in the window, per 10,000 views (pollers too) | "
        f"{varnish.get('backend_req', 0) / views * 10_000 if views else 0:.0f} | |",
    ]
    for name, values in latencies.items():
        if not values:
            continue
        target = ""
        if name == "all":
            target = "p99 under 1 s: " + (
                "met" if p99 < 1 else f"missed by {(p99 - 1) * 1000:.0f} ms"
            )
        lines.append(
            f"| change to edge, {name}: p50 / p99 / max ({len(values)} changes) | "
            f"{pct(values, 50) * 1000:.0f} / {pct(values, 99) * 1000:.0f} / "
            f"{max(values) * 1000:.0f} ms | {target} |"
        )
    slow = sorted(seen, key=lambda c: c["seconds"])[-3:]
    if slow:
        lines.append(
            "| the slowest changes: commit to the edge dropping its copy, then the answer "
            "that showed the change | "
            + "; ".join(
                f"{c['what']} {c['seconds'] * 1000:.0f} ms = "
                + (f"{c['purged'] * 1000:.0f} ms + " if c.get("purged") is not None else "")
                + f"{c['last'] * 1000:.0f} ms ({c['cache']})"
                for c in reversed(slow)
            )
            + " | |"
        )
    if lost:
        lines.append(
            f"| changes never seen at the edge within {POLL_GIVE_UP:.0f} s | **{len(lost)}** | "
            "none |"
        )
    if hit_times:
        lines.append(
            f"| reader latency, hits: p50 / p99 | {pct(hit_times, 50):.1f} / "
            f"{pct(hit_times, 99):.1f} ms | |"
        )
    if miss_times:
        lines.append(
            f"| reader latency, misses: p50 / p99 | {pct(miss_times, 50):.1f} / "
            f"{pct(miss_times, 99):.1f} ms | |"
        )
    lines += ["", "| readers asked for | views | hits | misses | passes | hit ratio |"]
    lines.append("| --- | ---: | ---: | ---: | ---: | ---: |")
    for kind in ("article", "breaking", "home", "section"):
        c = by_kind.get(kind)
        if not c:
            continue
        total = sum(c.values())
        lines.append(
            f"| {kind} | {total:,} | {c['HIT']:,} | {c['MISS']:,} | {c['PASS']:,} | "
            f"{c['HIT'] / total * 100:.2f} % |"
        )
    missed = collections.Counter(r[2] for r in records if r[4] != "HIT")
    if missed:
        kinds = {r[2]: r[1] for r in records}
        lines += [
            "",
            "The pages that missed most often: "
            + ", ".join(f"`{path}` ({kinds[path]}, {n})" for path, n in missed.most_common(6))
            + ".",
        ]
    lines += [
        "",
        f"Varnish in the window: {varnish.get('cache_hit', 0):,} hits, "
        f"{varnish.get('cache_miss', 0):,} misses, {varnish.get('backend_req', 0):,} backend "
        f"requests, {varnish.get('n_lru_nuked', 0)} objects evicted for room; "
        f"{data['varnish_after'].get('n_object', 0):,} objects kept at the end.",
        "",
        f"A cold edge instead: the {distinct - new_pages:,} distinct archive and list pages "
        "the readers asked for would each have missed once more, for a hit ratio of "
        f"{cold * 100:.1f} % over this run (a long-running edge keeps them: s-maxage is a day).",
    ]
    purges = data["purges"]
    if purges:
        keys = collections.Counter(k for line in purges for k in line.split())
        sizes = [len(line.split()) for line in purges]
        lines += [
            "",
            f"The origin's purge log: {len(purges)} purges for {len(changes)} changes "
            f"({statistics.median(sizes):.0f} keys each at the median, {max(sizes)} at most); "
            "the keys purged most often: "
            + ", ".join(f"{k} ({n})" for k, n in keys.most_common(8))
            + ".",
        ]
    waited, still = data["settled"]
    if args.settle:
        slowest = sorted(data["start_tasks"].items(), key=lambda x: -max(x[1]))[:3]
        lines += [
            "",
            f"Before the replay the task worker's start-up jobs were let finish ({waited:.0f} s"
            + (f"; still running at the --settle limit: {', '.join(sorted(still))}" * bool(still))
            + "); the slowest: "
            + "; ".join(f"{_task_label(name)} {max(t):.0f} s" for name, t in slowest)
            + ".",
        ]
    if data["task_times"]:
        lines += [
            "",
            "Tasks the worker ran during the replay (huey's log): "
            + "; ".join(
                f"{_task_label(name)} {len(t)} x, median "
                f"{statistics.median(t) * 1000:.0f} ms, max {max(t) * 1000:.0f} ms"
                for name, t in sorted(data["task_times"].items(), key=lambda x: -sum(x[1]))
            )
            + ".",
        ]
    if data["task_errors"]:
        lines += ["", "Errors in the server's log: " + "; ".join(data["task_errors"][:5])]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=300_000)
    parser.add_argument("--seconds", type=int, default=300, help="Length of the replay.")
    parser.add_argument("--rate", type=float, default=150.0, help="Reader requests per second.")
    parser.add_argument("--threads", type=int, default=12, help="Reader threads.")
    parser.add_argument("--home", type=float, default=0.10, help="Share of home page views.")
    parser.add_argument("--sections", type=float, default=0.05, help="Share of section fronts.")
    parser.add_argument("--breaking", type=float, default=0.15, help="Share of new stories.")
    parser.add_argument("--zipf", type=float, default=1.0, help="Zipf exponent of popularity.")
    parser.add_argument("--publish-every", type=float, default=30.0)
    parser.add_argument("--edit-every", type=float, default=10.0)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--settle",
        type=float,
        default=900.0,
        help="Wait up to this long for the task worker's start-up jobs (0: do not wait).",
    )
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    data = run(args)
    for change in data["changes"]:
        print(json.dumps(change), file=sys.stderr)
    markdown = report(data, args)
    print(markdown)
    if not args.no_write:
        write_section("breaking_news", markdown)


if __name__ == "__main__":
    main()
