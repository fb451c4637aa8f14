"""Article page CPU, first and repeat views, beside a plain Django page with the same content.

    .venv/bin/python bench/article_page.py                 # 1k, 100k, 300k; writes BENCHMARKS.md
    .venv/bin/python bench/article_page.py --sizes 1000 --articles 300 --no-write

For each archive size: a fresh data folder (SQLite, default settings), `newsdesk migrate` and
`newsdesk generate --articles N` (timed: the stories, then the search index and the stored
related stories of every story), then, each in a process of its own with that data folder:

- Newsdesk as it is served (config/wsgi.py: the origin's page cache in front of Django): a
  *first view* of each of up to 1,000 articles (nothing of the article kept anywhere: Django
  renders the page, the page cache keeps it), then a *repeat view* of each (the page cache
  answers; Django does not run).
- A plain Django site (bench/_plainsite: Django's default settings and middleware, unmanaged
  models over the same tables of the same database, opened the same way, one view and one
  template that print the same document as Newsdesk's page, byte for byte but for the footer's
  generation time: bench/article_instructions.py checks it), no cache: every view renders.
  Its first and repeat views are alike; both passes are reported.

Every request goes straight through the WSGI callable in-process (no network), as a new reader
without cookies, after warm-up requests for other articles. Reported: the process CPU time of
each call (time.process_time, the least disturbed by other work on a shared machine; the load
average is given), p50 and p99, the wall time p50, the SQL queries of one view and the page size.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _archive import archive, database_option, database_words, section_name  # noqa: E402
from _archive import env as _env  # noqa: E402
from _report import ROOT, machine, today, write_section  # noqa: E402

WARMUP = 200
SEED = 7


def prepare(data_dir: Path) -> None:
    newsdesk = [sys.executable, "-m", "newsdesk"]
    subprocess.run([*newsdesk, "migrate", "-v0"], env=_env(data_dir), cwd=ROOT, check=True)
    subprocess.run(
        [*newsdesk, "collectstatic", "--noinput", "-v0"], env=_env(data_dir), cwd=ROOT, check=True
    )


def build(size: int, data_dir: Path) -> dict:
    """Generate the archive; returns the seconds it took, and of them the seconds after the last
    batch of stories (the search index rebuilt and every story's related list ranked)."""
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "newsdesk",
            "generate",
            "--articles",
            str(size),
            "--batch-size",
            "5000",
        ],
        env=_env(data_dir),
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    batches = re.findall(r"articles \(([\d.]+) s\)", done.stdout)
    total = re.search(r"in ([\d.]+) s\.", done.stdout)
    after = float(total.group(1)) - float(batches[-1]) if batches and total else float("nan")
    return {"seconds": seconds, "index_and_related_seconds": after}


def run_measure(data_dir: Path, mode: str, articles: int, extra: dict | None = None) -> dict:
    args = [sys.executable, __file__, "--measure", mode, "--articles", str(articles)]
    if extra:
        args += ["--extra", json.dumps(extra)]
    done = subprocess.run(args, env=_env(data_dir), cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        print(done.stderr, file=sys.stderr)
    done.check_returncode()
    return json.loads(done.stdout.strip().splitlines()[-1])


def wsgi_call(app, path: str) -> tuple[float, float, dict, bytes]:
    """One anonymous GET through `app`: (CPU seconds, wall seconds, headers, body)."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1:8000",
        "wsgi.url_scheme": "http",
        "wsgi.input": BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_ACCEPT": "text/html",
    }
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"] = status
        seen["headers"] = {name.lower(): value for name, value in headers}

    cpu_started, started = time.process_time(), time.perf_counter()
    response = app(environ, start_response)
    body = b"".join(response)
    if hasattr(response, "close"):
        response.close()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    assert seen["status"].startswith("200"), (path, seen["status"], body[:300])
    return cpu, wall, seen["headers"], body


def summary(samples: list[tuple[float, float]]) -> dict:
    cpu = [c * 1000 for c, _ in samples]
    wall = [w * 1000 for _, w in samples]
    quantiles = statistics.quantiles(cpu, n=100, method="inclusive")
    return {
        "n": len(samples),
        "cpu_p50": quantiles[49],
        "cpu_p99": quantiles[98],
        "wall_p50": statistics.median(wall),
    }


def sample_paths(rows: list[tuple[int, str]], articles: int) -> tuple[list[str], list[str]]:
    """Warm-up addresses and measured addresses, all different; the same in both processes.
    In a small archive, fewer are measured: every measured article is new to the process."""
    rng = random.Random(SEED)
    warmup = min(WARMUP, len(rows) // 5) + 1
    chosen = rng.sample(rows, min(len(rows), articles + warmup))
    paths = [f"/news/{news_id}/{slug}/" for news_id, slug in chosen]
    return paths[:warmup], paths[warmup:]


def count_queries(app, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        wsgi_call(app, path)
    return len(queries.captured_queries)


def measure_newsdesk(articles: int) -> dict:
    """Runs in the data folder's process: Newsdesk's settings come from the environment."""
    import django

    django.setup()
    from django.conf import settings

    from config.wsgi import application
    from newsdesk.articles.models import Article
    from newsdesk.search.models import RelatedStory

    assert not settings.DEBUG, "measure with DEBUG off (cached template loader, no query log)"
    rows = list(Article.objects.published().order_by("pk").values_list("news_id", "slug"))
    warmup, paths = sample_paths(rows, articles)
    for path in warmup[1:]:
        wsgi_call(application, path)
        wsgi_call(application, path)
    first_queries = count_queries(application, warmup[0])
    repeat_queries = count_queries(application, warmup[0])
    first, repeat, size, hits = [], [], 0, 0
    for path in paths:
        cpu, wall, _, body = wsgi_call(application, path)
        first.append((cpu, wall))
        size = len(body)
    for path in paths:
        cpu, wall, headers, _ = wsgi_call(application, path)
        repeat.append((cpu, wall))
        hits += headers.get("x-page-cache") == "hit"
    database = settings.DATABASES["default"]
    return {
        "first": summary(first),
        "repeat": summary(repeat),
        "repeat_hits": hits,
        "first_queries": first_queries,
        "repeat_queries": repeat_queries,
        "page_bytes": size,
        "stories_with_related": RelatedStory.objects.values("article").distinct().count(),
        "load_average": os.getloadavg()[0],
        # Handed to the plain site, so that both open the same database the same way.
        "database": {
            "ENGINE": database["ENGINE"],
            "NAME": str(database["NAME"]),
            "CONN_MAX_AGE": database.get("CONN_MAX_AGE", 0),
            "OPTIONS": database.get("OPTIONS", {}),
            **{k: database[k] for k in ("HOST", "PORT", "USER", "PASSWORD") if database.get(k)},
        },
    }


def measure_plain(articles: int, database: dict) -> dict:
    """Runs in a process of its own: the plain site's settings, Newsdesk's database."""
    import _plainsite
    import django

    _plainsite.configure(database)
    django.setup()
    from _plainsite.models import Article
    from django.core.handlers.wsgi import WSGIHandler

    application = WSGIHandler()
    rows = list(Article.objects.published().order_by("pk").values_list("news_id", "slug"))
    warmup, paths = sample_paths(rows, articles)
    for path in warmup[1:]:
        wsgi_call(application, path)
    queries = count_queries(application, warmup[0])
    passes, size = [], 0
    for _ in range(2):
        samples = []
        for path in paths:
            cpu, wall, _, body = wsgi_call(application, path)
            samples.append((cpu, wall))
            size = len(body)
        passes.append(summary(samples))
    return {
        "first": passes[0],
        "repeat": passes[1],
        "queries": queries,
        "page_bytes": size,
        "load_average": os.getloadavg()[0],
    }


DESCRIPTION = """
Command: `.venv/bin/python bench/article_page.py` (or `make bench`). Per archive, a first view
and then a repeat view of each of {articles:,} different articles (at most; *n* is given), after
{warmup} warm-up articles, each request through the WSGI callable in-process (no network, each
request a new reader without cookies; {database}, DEBUG off). *Newsdesk*
is served as in production (config/wsgi.py): a first view renders the page in Django (the
related stories read from their stored list, one query) and the origin's page cache keeps it; a
repeat view is answered by the page cache. *Plain Django* (bench/_plainsite) is a
startproject-style site: Django's default settings and middleware, one view and one template
printing the same document as Newsdesk's page (metadata and structured data, navigation, story,
related stories, comments, footer; the same bytes but for the footer's generation time, which
`article_instructions` checks) from the same database opened the same way, no cache: each of its
views renders (first and second pass given). Figures are the process CPU time of the WSGI call,
p50 / p99 (wall p50 in brackets), the least disturbed by other work on a shared machine (the
load average is given). *Generate* is `newsdesk generate` (stories, search index, every story's
related list); *of which index + related* is its time after the last batch of stories.
"""


def report(results: list[dict], articles: int, state: str, database: str = "sqlite") -> str:
    lines = [
        "## Article page (`article_page`)" + ("" if database == "sqlite" else " on PostgreSQL"),
        "",
        " ".join(
            DESCRIPTION.format(
                articles=articles, warmup=WARMUP, database=database_words(database)
            ).split()
        ),
        "",
        f"Measured: {state}  ",
        f"Machine: {machine()}  ",
        f"Date: {today()}",
        "",
        "| archive | *n* | generate (of which index + related) | Newsdesk first view "
        "| Newsdesk repeat view | plain Django first view | plain Django second view "
        "| first view / plain | queries Newsdesk first / repeat, plain | page Newsdesk / plain "
        "| load avg |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def cell(figures: dict) -> str:
        return f"{figures['cpu_p50']:.2f} / {figures['cpu_p99']:.2f} ms ({figures['wall_p50']:.2f})"

    for r in results:
        ours, plain, built = r["newsdesk"], r["plain"], r["build"]
        generate = (
            "kept archive"
            if math.isnan(built["seconds"])
            else f"{built['seconds']:.0f} s ({built['index_and_related_seconds']:.0f} s)"
        )
        lines.append(
            f"| {r['size']:,} | {ours['first']['n']:,} | {generate} "
            f"| {cell(ours['first'])} | {cell(ours['repeat'])} "
            f"| {cell(plain['first'])} | {cell(plain['repeat'])} "
            f"| {ours['first']['cpu_p50'] / plain['first']['cpu_p50']:.2f} "
            f"| {ours['first_queries']} / {ours['repeat_queries']}, {plain['queries']} "
            f"| {ours['page_bytes'] / 1024:.1f} / {plain['page_bytes'] / 1024:.1f} KiB "
            f"| {ours['load_average']:.1f}, {plain['load_average']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def git_state() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.rstrip()  # not lstrip: porcelain lines start with a status column

    head = git("log", "-1", "--format=%h %s")
    dirty = [line[3:] for line in git("status", "--porcelain", "--untracked-files=no").splitlines()]
    changed = f", with uncommitted changes to {', '.join(dirty)}" if dirty else ""
    return f"main at {head[:100]}{changed}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000, 300_000])
    parser.add_argument("--articles", type=int, default=1000, help="articles viewed per size")
    parser.add_argument(
        "--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone"
    )
    parser.add_argument("--keep", type=Path, help="build archives under this folder and keep them")
    parser.add_argument(
        "--kept",
        action="store_true",
        help="use the archives of bench/_archive.py (var/bench/archive-N), built once and shared "
        "with the other benchmarks",
    )
    parser.add_argument("--state", help="what was measured (default: git's HEAD and status)")
    database_option(parser)
    parser.add_argument("--measure", choices=["newsdesk", "plain"], help=argparse.SUPPRESS)
    parser.add_argument("--extra", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure == "newsdesk":
        print(json.dumps(measure_newsdesk(args.articles)))
        return
    if args.measure == "plain":
        print(json.dumps(measure_plain(args.articles, json.loads(args.extra)["database"])))
        return

    state = args.state or git_state()
    results = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix=f"newsdesk-bench-{size}-") as tmp:
            data_dir = (args.keep / str(size)) if args.keep else Path(tmp)
            reuse = bool(args.keep) and (data_dir / "newsdesk.sqlite3").exists()
            if args.kept or args.database != "sqlite":  # the kept archive of bench/_archive.py
                data_dir, reuse = archive(size, database=args.database), True
            data_dir.mkdir(parents=True, exist_ok=True)
            prepare(data_dir)
            if reuse:
                built = {"seconds": float("nan"), "index_and_related_seconds": float("nan")}
            else:
                print(f"Building an archive of {size:,} articles in {data_dir} ...", flush=True)
                built = build(size, data_dir)
                print(json.dumps(built), flush=True)
            print(f"Measuring Newsdesk, {args.articles:,} articles ...", flush=True)
            ours = run_measure(data_dir, "newsdesk", args.articles)
            print(json.dumps(ours), flush=True)
            print("Measuring plain Django ...", flush=True)
            plain = run_measure(data_dir, "plain", args.articles, {"database": ours["database"]})
            print(json.dumps(plain), flush=True)
            results.append({"size": size, "build": built, "newsdesk": ours, "plain": plain})
    markdown = report(results, args.articles, state, args.database)
    print(markdown)
    if not args.no_write:
        write_section(section_name("article_page", args.database), markdown)
        print("Wrote the article_page section of BENCHMARKS.md.")


if __name__ == "__main__":
    main()
