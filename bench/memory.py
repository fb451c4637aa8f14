"""Memory of `newsdesk serve` and its task worker after 100,000 distinct article views.

    nice -n 10 .venv/bin/python bench/memory.py            # writes BENCHMARKS.md
    .venv/bin/python bench/memory.py --views 3000 --configs bounded --no-write

On a copy of the 100,000-story SQLite archive (bench/_archive.py, built once and kept in
var/bench/archive-100000), each configuration in turn starts a real `newsdesk serve` on loopback
with its own task worker, exactly as `make run` does but for the environment variables that make
the configuration (CONFIGS below: "before" is what the settings were before the bounds, the
others leave the settings' defaults or change one of them). A bounded client (--clients threads,
one keep-alive http.client connection each) then asks for --views distinct article pages, in a
shuffled order, and one listing page (home, a section, a keyword, an author) after every
--listing-every views. After 10 %, 50 % and 100 % of the views the proportional set size (PSS)
and resident set (RSS) of every web worker and of the task worker are read from
/proc/PID/smaps_rollup: PSS counts a page shared by N mappings (the SQLite file mapped by every
connection, the code of the interpreter) as 1/N in each, RSS counts it whole in each.

Page speed: the latency the client sees of each first view (the server renders it) and, after
the last reading, of --repeats repeat views of the pages viewed last (answered by the page cache
of the web worker whose connection it is, when that worker kept it: the hit ratio is given;
latency of the hits and of all repeats). The servers run at the niceness this benchmark was
started with, beside whatever else the machine runs: the load average is given at each reading.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _stack  # noqa: E402
from _archive import archive, percentile  # noqa: E402
from _archive import env as archive_env  # noqa: E402
from _report import machine, today, write_section  # noqa: E402
from _stack import ROOT, Stack, free_port, load, scratch_archive, wait_http  # noqa: E402

COMMAND = " ".join([".venv/bin/python", f"bench/{Path(__file__).name}", *sys.argv[1:]])
SEED = 17
MIB = 1024 * 1024
# What the settings were before the bounds (config/settings/base.py before 8ca8e14, and
# `newsdesk serve`'s own --workers min(4, 2 x cores) and --threads 4), as environment variables.
BEFORE = {
    "NEWSDESK_SQLITE_MMAP_BYTES": str(256 * MIB),
    "NEWSDESK_SQLITE_CACHE_KIB": "20000",
    "NEWSDESK_PAGE_CACHE_BYTES": "0",
    "NEWSDESK_LOCAL_CACHE_ENTRIES": "20000",
    "NEWSDESK_WEB_WORKERS": str(min(4, (os.cpu_count() or 1) * 2)),
    "NEWSDESK_WEB_THREADS": "4",
    "NEWSDESK_MALLOC_ARENA_MAX": "0",
}
CONFIGS = {
    "before": BEFORE,
    "bounded": {},
    "bounded, mmap 256 MiB": {"NEWSDESK_SQLITE_MMAP_BYTES": str(256 * MIB)},
}
# The settings of memory, as each configuration ran with them (the defaults when not set).
KNOBS = {
    "NEWSDESK_WEB_WORKERS": "cores",
    "NEWSDESK_WEB_THREADS": "4",
    "NEWSDESK_SQLITE_MMAP_BYTES": "0",
    "NEWSDESK_SQLITE_CACHE_KIB": "2000",
    "NEWSDESK_PAGE_CACHE_BYTES": str(64 * MIB),
    "NEWSDESK_LOCAL_CACHE_ENTRIES": "2000",
    "NEWSDESK_MALLOC_ARENA_MAX": "2",
}


# Processes --------------------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return sorted(found)


def cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def rollup(pid: int) -> dict[str, float]:
    """/proc/PID/smaps_rollup, in MiB: Rss, Pss, Pss_Anon, Pss_File..."""
    figures = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, value = line.partition(":")
        parts = value.split()
        if len(parts) == 2 and parts[1] == "kB":
            figures[name] = int(parts[0]) / 1024
    return figures


def server_processes(master: int) -> tuple[list[int], int]:
    """(web worker pids, task worker pid) of the `newsdesk serve` whose master is `master`."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        kids = children(master)
        task = [pid for pid in kids if "newsdesk worker" in cmdline(pid)]
        web = [pid for pid in kids if pid not in task]
        if task and web:
            return web, task[0]
        time.sleep(0.5)
    raise SystemExit(f"no web and task workers under the server's master {master}")


def reading(web: list[int], task: int, views: int) -> dict:
    webs = [rollup(pid) for pid in web]
    worker = rollup(task)
    return {
        "views": views,
        "web": [{k: w.get(k, 0.0) for k in ("Pss", "Rss", "Pss_Anon", "Pss_File")} for w in webs],
        "task": {k: worker.get(k, 0.0) for k in ("Pss", "Rss", "Pss_Anon", "Pss_File")},
        "load": load(),
    }


# The client -------------------------------------------------------------------------------------


class Client:
    """One keep-alive connection; reconnects when the server closes it."""

    def __init__(self, port: int):
        self.port = port
        self.connection: http.client.HTTPConnection | None = None

    def get(self, path: str) -> tuple[int, bool, float]:
        """(status, answered by the page cache, seconds)."""
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            started = time.perf_counter()
            try:
                self.connection.request("GET", path, headers={"Accept": "text/html"})
                response = self.connection.getresponse()
                response.read()
            except (http.client.HTTPException, ConnectionError):
                self.close()
                if attempt:
                    raise
                continue
            seconds = time.perf_counter() - started
            if response.getheader("connection", "").lower() == "close":
                self.close()
            return response.status, response.getheader("x-page-cache") == "hit", seconds
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def fetch_all(port: int, paths: list[str], clients: int) -> list[tuple[str, int, bool, float]]:
    """Every path once, by `clients` threads taking them in order; (path, status, hit, s)."""
    results: list = [None] * len(paths)
    cursor = iter(range(len(paths)))
    lock = threading.Lock()
    failures: list[BaseException] = []

    def work():
        client = Client(port)
        try:
            while True:
                with lock:
                    i = next(cursor, None)
                if i is None:
                    return
                status, hit, seconds = client.get(paths[i])
                results[i] = (paths[i], status, hit, seconds)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)
        finally:
            client.close()

    threads = [threading.Thread(target=work) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return results


def speed(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50": statistics.median(ms), "p95": percentile(ms, 95)} if ms else {}


# One configuration ------------------------------------------------------------------------------


def addresses(data_dir: Path, views: int) -> tuple[list[str], list[str]]:
    """`views` distinct article addresses in a shuffled order, and the listing pages."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    db = sqlite3.connect(f"file:{data_dir / 'newsdesk.sqlite3'}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "SELECT news_id, slug FROM articles_article WHERE status = 'published' "
            "AND published_at <= ? AND (embargo_until IS NULL OR embargo_until <= ?) "
            "ORDER BY news_id",
            (now, now),
        ).fetchall()
        listings = ["/"]
        for table, prefix in (
            ("articles_section", "section"),
            ("articles_keyword", "keyword"),
            ("articles_author", "author"),
        ):
            slugs = db.execute(f"SELECT slug FROM {table} ORDER BY id LIMIT 20").fetchall()  # noqa: S608
            listings += [f"/{prefix}/{slug}/" for (slug,) in slugs]
    finally:
        db.close()
    if len(rows) < views:
        raise SystemExit(f"the archive has {len(rows):,} published stories, fewer than {views:,}")
    chosen = random.Random(SEED).sample(rows, views)
    return [f"/news/{news_id}/{slug}/" for news_id, slug in chosen], listings


def views_of(name: str, args) -> int:
    """Distinct views for configuration `name`: --views, or --views-before for "before"."""
    return args.views_before if name == "before" and args.views_before else args.views


def run_config(name: str, extra: dict, data_dir: Path, args) -> dict:
    views = views_of(name, args)
    articles, listings = addresses(data_dir, views)
    checkpoints = sorted({max(1, views // 10), max(1, views // 2), views})
    port = free_port()
    env = {**archive_env(data_dir), **extra}
    with Stack() as stack:
        command = [sys.executable, "-m", "newsdesk", "serve", "--port", str(port), "-v", "1"]
        proc = stack.start("serve", command, env=env)
        wait_http(port, "/", proc=proc)
        web, task = server_processes(proc.pid)
        time.sleep(args.settle)  # the task worker's catch-up at start
        readings = [reading(web, task, 0)]
        print(f"[{name}] started: {json.dumps(readings[-1])}", file=sys.stderr, flush=True)
        first: list[float] = []
        statuses: dict[int, int] = {}
        listing_seconds: list[float] = []
        done = 0
        started = time.perf_counter()
        for checkpoint in checkpoints:
            batch = []
            for i, path in enumerate(articles[done:checkpoint], start=done):
                batch.append(path)
                if (i + 1) % args.listing_every == 0:
                    batch.append(listings[(i // args.listing_every) % len(listings)])
            for path, status, _, seconds in fetch_all(port, batch, args.clients):
                statuses[status] = statuses.get(status, 0) + 1
                if path.startswith("/news/"):
                    first.append(seconds)
                else:
                    listing_seconds.append(seconds)
            done = checkpoint
            readings.append(reading(web, task, done))
            print(
                f"[{name}] {done:,} views in {time.perf_counter() - started:.0f} s: "
                f"{json.dumps(readings[-1])}",
                file=sys.stderr,
                flush=True,
            )
        repeats = fetch_all(port, articles[-args.repeats :], args.clients)
        if sorted(web) != sorted(server_processes(proc.pid)[0]):
            raise SystemExit(f"[{name}] a web worker was restarted during the run: see its log")
        log = stack.log("serve")
    bad = {status: n for status, n in statuses.items() if status != 200}
    if bad:
        print(f"[{name}] answers other than 200: {bad}\n{log[-3000:]}", file=sys.stderr)
    return {
        "name": name,
        "env": extra,
        "web_workers": len(web),
        "readings": readings,
        "statuses": statuses,
        "seconds": time.perf_counter() - started,
        "first": speed(first),
        "listings": speed(listing_seconds),
        "repeat_all": speed([s for *_, s in repeats]),
        "repeat_hits": speed([s for _, _, hit, s in repeats if hit]),
        "hit_ratio": sum(hit for _, _, hit, _ in repeats) / max(1, len(repeats)),
    }


# The report -------------------------------------------------------------------------------------


def knobs(result: dict) -> str:
    values = {**KNOBS, **result["env"]}
    values["NEWSDESK_WEB_WORKERS"] = str(result["web_workers"])
    short = {k.removeprefix("NEWSDESK_"): v for k, v in values.items()}
    return ", ".join(f"{k} {v}" for k, v in short.items())


def report(results: list[dict], args) -> str:
    lines = [
        "## Memory (bench/memory.py)",
        "",
        f"Command: `{COMMAND}`  ",
        f"Machine: {machine()}  ",
        f"Date: {today()}",
        "",
        " ".join(
            f"""A copy of the 100,000-story SQLite archive; per configuration a real `newsdesk
            serve` on loopback with its task worker, then {args.views:,} distinct article pages
            ({args.views_before or args.views:,} for "before")
            in a shuffled order (and a listing after every {args.listing_every}) asked by
            {args.clients} client threads, each with one keep-alive http.client connection.
            PSS and RSS (MiB) from /proc/PID/smaps_rollup after 10 %, 50 % and 100 % of the
            views: *web* is the largest of the web workers (PSS counts a page mapped N times
            as 1/N in each mapping process; RSS counts it whole), *task* the task worker.
            Latencies are what the client saw: first views (Django renders), listings, and
            {args.repeats:,} repeat views of the pages viewed last (the hits: answered by the
            page cache of the worker whose connection it was, which is one of several web
            workers; the hit ratio is given). The servers ran at the niceness of the benchmark
            (`nice -n 10` when started as above) beside other engineers' work: the load
            average is given at each reading.""".split()
        ),
        "",
    ]
    for r in results:
        lines += [f"**{r['name']}**: {knobs(r)}.", ""]
        lines += [
            "| views | web worker PSS (each) | web worker RSS, largest | task worker PSS / RSS "
            "| load avg |",
            "|---:|---:|---:|---:|---|",
        ]
        for read in r["readings"]:
            pss = ", ".join(f"{w['Pss']:.0f}" for w in read["web"])
            lines.append(
                f"| {read['views']:,} | {max(w['Pss'] for w in read['web']):.0f} ({pss}) "
                f"| {max(w['Rss'] for w in read['web']):.0f} "
                f"| {read['task']['Pss']:.0f} / {read['task']['Rss']:.0f} | {read['load']} |"
            )
        last = r["readings"][-1]
        anon = max(w["Pss_Anon"] for w in last["web"])
        file = max(w["Pss_File"] for w in last["web"])
        lines += [
            "",
            f"Largest web worker at the end: {anon:.0f} MiB of its PSS is its own memory "
            f"(anonymous), {file:.0f} MiB file pages (the SQLite file mapped, the code). "
            f"{r['seconds']:.0f} s for the run; answers: "
            + ", ".join(f"{n:,} x {status}" for status, n in sorted(r["statuses"].items()))
            + ".",
            "",
        ]
    lines += [
        "| configuration | first view p50 / p95 | listing p50 / p95 | repeat view hits p50 / p95 "
        "| all repeats p50 / p95 (hit ratio) | web PSS, largest | task PSS |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]

    def ms(figures: dict) -> str:
        return f"{figures['p50']:.2f} / {figures['p95']:.2f} ms" if figures else "n/a"

    for r in results:
        last = r["readings"][-1]
        lines.append(
            f"| {r['name']} | {ms(r['first'])} | {ms(r['listings'])} | {ms(r['repeat_hits'])} "
            f"| {ms(r['repeat_all'])} ({r['hit_ratio']:.0%}) "
            f"| {max(w['Pss'] for w in last['web']):.0f} MiB | {last['task']['Pss']:.0f} MiB |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=100_000, help="archive size")
    parser.add_argument("--views", type=int, default=100_000, help="distinct article views")
    parser.add_argument(
        "--views-before",
        type=int,
        default=0,
        help='distinct views for the "before" configuration (default: --views)',
    )
    parser.add_argument("--configs", nargs="+", choices=list(CONFIGS), default=list(CONFIGS))
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--listing-every", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=2_000)
    parser.add_argument("--settle", type=float, default=10.0, help="seconds after start-up")
    parser.add_argument("--no-write", action="store_true", help="leave BENCHMARKS.md alone")
    args = parser.parse_args()
    # Measured at the niceness the benchmark was started with, not raised ahead of others' work.
    _stack.PRIORITY = []
    scratch = ROOT / "var" / "bench" / f"memory-{os.getpid()}"
    scratch_archive(archive(args.articles), scratch)
    results = []
    try:
        for name in args.configs:
            results.append(run_config(name, CONFIGS[name], scratch, args))
            print(json.dumps(results[-1]), flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    markdown = report(results, args)
    print(markdown)
    if not args.no_write:
        write_section("memory", markdown)
        print("Wrote the memory section of BENCHMARKS.md.")


if __name__ == "__main__":
    main()
