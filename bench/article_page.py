"""Article page server time and query count on archives of 1,000 and 100,000 articles.

    .venv/bin/python bench/article_page.py            # both sizes, writes BENCHMARKS.md
    .venv/bin/python bench/article_page.py --sizes 1000 --requests 500 --no-write

For each size: a fresh data folder (SQLite, default settings), `newsdesk migrate` and
`newsdesk generate --articles N`, then, in a separate process with that data folder, many
requests for varied articles straight through Django's WSGI handler (what gunicorn calls):
no network, no HTTP cache in front, each request a new reader without cookies, the caches as in
production. The first view of an article renders it and keeps it (newsdesk/articles/page.py);
a repeat view fills this reader's tokens into the kept page. Reported: the Server-Timing figure
(the time the page footer shows) and the whole WSGI call, p50 and p99, first and repeat views
apart, and the SQL queries per page.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _archive import env as _env  # noqa: E402
from _report import ROOT, machine, today, write_section  # noqa: E402

WARMUP = 200


def prepare(data_dir: Path) -> None:
    newsdesk = [sys.executable, "-m", "newsdesk"]
    subprocess.run([*newsdesk, "migrate", "-v0"], env=_env(data_dir), cwd=ROOT, check=True)
    subprocess.run(
        [*newsdesk, "collectstatic", "--noinput", "-v0"], env=_env(data_dir), cwd=ROOT, check=True
    )


def build(size: int, data_dir: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "newsdesk", "generate", "--articles", str(size), "-v0"],
        env=_env(data_dir),
        cwd=ROOT,
        check=True,
    )
    return time.perf_counter() - started


def measure_in_subprocess(data_dir: Path, requests: int, profile: bool) -> dict:
    env = _env(data_dir)
    args = [sys.executable, __file__, "--measure", "--requests", str(requests)]
    if profile:
        args.append("--profile")
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True)
    if profile or done.returncode:
        print(done.stderr, file=sys.stderr)
    done.check_returncode()
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(requests: int, profile: bool) -> dict:
    """Runs inside the data folder's process: settings are read from the environment."""
    import django

    django.setup()
    from io import BytesIO

    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from newsdesk.articles.models import Article

    assert not settings.DEBUG, "measure with DEBUG off (cached template loader, no query log)"
    rng = random.Random(7)
    rows = list(Article.objects.published().values_list("news_id", "slug"))
    paths = [f"/news/{news_id}/{slug}/" for news_id, slug in rng.sample(rows, min(len(rows), 1000))]
    handler = WSGIHandler()

    def call(path: str) -> tuple[float, float, int]:
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
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_ACCEPT": "text/html",
        }
        status_headers = {}

        def start_response(status, headers, exc_info=None):
            status_headers["status"] = status
            status_headers["headers"] = dict(headers)

        started, cpu_started = time.perf_counter(), time.process_time()
        response = handler(environ, start_response)
        body = b"".join(response)
        if hasattr(response, "close"):
            response.close()
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        assert status_headers["status"].startswith("200"), (
            path,
            status_headers["status"],
            body[:300],
        )
        server = float(status_headers["headers"]["Server-Timing"].split("dur=")[1]) / 1000
        return server, wall, cpu, len(body)

    for path in paths[:WARMUP]:
        call(path)
    # Queries of a first view (nothing of this article rendered yet) and of a repeat view.
    with CaptureQueriesContext(connection) as queries:
        call(paths[-1])
    first_queries = len(queries.captured_queries)
    with CaptureQueriesContext(connection) as queries:
        call(paths[0])
    query_count = len(queries.captured_queries)
    seen = {*paths[:WARMUP], paths[-1]}

    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(500):
            call(paths[i % len(paths)])
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(45)

    server, wall, cpu = [], [], []
    first_server, repeat_server, repeat_cpu = [], [], []
    for i in range(requests):
        path = paths[i % len(paths)]
        s, w, c, size = call(path)
        server.append(s)
        wall.append(w)
        cpu.append(c)
        (repeat_server if path in seen else first_server).append(s)
        if path in seen:
            repeat_cpu.append(c)
        seen.add(path)

    def pct(values: list[float], q: int) -> float:
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000

    return {
        "requests": requests,
        "articles_sampled": len(paths),
        "queries": query_count,
        "first_view_queries": first_queries,
        "first_views": len(first_server),
        "first_p50_ms": pct(first_server, 50),
        "first_p99_ms": pct(first_server, 99),
        "repeat_p50_ms": pct(repeat_server, 50),
        "repeat_p99_ms": pct(repeat_server, 99),
        "repeat_cpu_p50_ms": pct(repeat_cpu, 50),
        "repeat_cpu_p99_ms": pct(repeat_cpu, 99),
        "server_p50_ms": pct(server, 50),
        "server_p99_ms": pct(server, 99),
        "wall_p50_ms": pct(wall, 50),
        "wall_p99_ms": pct(wall, 99),
        "cpu_p50_ms": pct(cpu, 50),
        "cpu_p99_ms": pct(cpu, 99),
        "load_average": os.getloadavg()[0],
        "page_bytes": size,
        "conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE"),
    }


def report(results: list[tuple[int, float, dict]], requests: int) -> str:
    lines = [
        "## Article page (`article_page`)",
        "",
        "Command: `.venv/bin/python bench/article_page.py` (or `make bench`). "
        f"{requests:,} requests per archive over up to 1,000 different articles, after "
        f"{WARMUP} warm-up requests, each through Django's WSGI handler in-process (no network, "
        "no HTTP cache in front, each request a new reader without cookies; SQLite with the "
        "default settings, DEBUG off). A *first view* of an article renders the page and keeps "
        "it per article version, comments and content generation (newsdesk/articles/page.py); "
        "a *repeat view* reads the article's row and its approved comments, and fills its own "
        "CSRF token, Security Key and form start time into the kept page. *Server* is the "
        "Server-Timing figure the footer shows; *WSGI call* adds the handler, response and "
        "connection close; *CPU* is the process CPU time of the WSGI call, the least disturbed "
        "by other work on a shared machine (the load average is given).",
        "",
        f"Machine: {machine()}  ",
        f"Date: {today()}",
        "",
        "| archive | generate | queries first / repeat | server p50 / p99: first views "
        "| repeat views | all | WSGI call p50 / p99 | CPU p50 / p99: all | repeat views "
        "| load avg | page |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, seconds, r in results:
        lines.append(
            f"| {size:,} | {'kept (--keep)' if math.isnan(seconds) else f'{seconds:.0f} s'} "
            f"| {r['first_view_queries']} / {r['queries']} "
            f"| {r['first_p50_ms']:.2f} / {r['first_p99_ms']:.2f} ms ({r['first_views']:,}) "
            f"| {r['repeat_p50_ms']:.2f} / {r['repeat_p99_ms']:.2f} ms "
            f"| {r['server_p50_ms']:.2f} / {r['server_p99_ms']:.2f} ms "
            f"| {r['wall_p50_ms']:.2f} / {r['wall_p99_ms']:.2f} ms "
            f"| {r['cpu_p50_ms']:.2f} / {r['cpu_p99_ms']:.2f} ms "
            f"| {r['repeat_cpu_p50_ms']:.2f} / {r['repeat_cpu_p99_ms']:.2f} ms "
            f"| {r['load_average']:.1f} | {r['page_bytes'] / 1024:.1f} KiB |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument(
        "--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone"
    )
    parser.add_argument("--profile", action="store_true", help="print a cProfile of 500 requests")
    parser.add_argument("--keep", type=Path, help="build archives under this folder and keep them")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        print(json.dumps(measure(args.requests, args.profile)))
        return

    results = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix=f"newsdesk-bench-{size}-") as tmp:
            data_dir = (args.keep / str(size)) if args.keep else Path(tmp)
            reuse = bool(args.keep) and (data_dir / "newsdesk.sqlite3").exists()
            data_dir.mkdir(parents=True, exist_ok=True)
            prepare(data_dir)
            if reuse:
                build_seconds = float("nan")
            else:
                print(f"Building an archive of {size:,} articles in {data_dir} ...", flush=True)
                build_seconds = build(size, data_dir)
            print(f"Measuring {args.requests:,} requests ...", flush=True)
            result = measure_in_subprocess(data_dir, args.requests, args.profile)
            print(json.dumps(result), flush=True)
            results.append((size, build_seconds, result))
    markdown = report(results, args.requests)
    print(markdown)
    if not args.no_write:
        write_section("article_page", markdown)
        print("Wrote the article_page section of BENCHMARKS.md.")


if __name__ == "__main__":
    main()
