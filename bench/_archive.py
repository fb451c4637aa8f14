"""Synthetic archives for the search and feeds benchmarks, built once and kept.

An archive of N articles lives in var/bench/archive-N (SQLite, default settings) and is reused
by later runs; --rebuild makes it again. On PostgreSQL (database="postgres") its data folder is
var/bench/archive-pg-N and its database newsdesk_bench_N on the local server
(NEWSDESK_BENCH_POSTGRES, default postgres://postgres@127.0.0.1:5432); the folder's
`database-url` file tells env() where it is, so every benchmark runs on either unchanged.

It is made with `newsdesk generate` run with the search
index suspended and rebuilt once at the end (newsdesk.search.backends.index_suspended), several
times quicker than indexing row by row; the result is the same index.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


POSTGRES = os.environ.get("NEWSDESK_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DATABASES = ("sqlite", "postgres")


def env(data_dir: Path) -> dict:
    environ = {
        **os.environ,
        "NEWSDESK_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
    }
    for var in ("NEWSDESK_DATABASE_URL", "DATABASE_URL", "NEWSDESK_REDIS_URL", "NEWSDESK_DEBUG"):
        environ.pop(var, None)
    url_file = data_dir / "database-url"
    if url_file.exists():
        environ["NEWSDESK_DATABASE_URL"] = url_file.read_text().strip()
    return environ


def archive(size: int, *, rebuild: bool = False, database: str = "sqlite") -> Path:
    """The archive of `size` articles, built if missing. Two benchmarks asking for the same
    archive at once: the second waits for the first to finish building it."""
    import fcntl

    name = f"archive-{size}" if database == "sqlite" else f"archive-pg-{size}"
    lock_path = ROOT / "var" / "bench" / f"{name}.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _archive(size, ROOT / "var" / "bench" / name, rebuild=rebuild, database=database)


def _archive(size: int, data_dir: Path, *, rebuild: bool, database: str) -> Path:
    done = data_dir / "complete"
    if rebuild and data_dir.exists():
        shutil.rmtree(data_dir)
    if done.exists():
        _migrated(data_dir)  # a kept archive gets the migrations (indexes) made since it was built
        _analyzed(data_dir)
        _static(data_dir)
        return data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    if database == "postgres":
        (data_dir / "database-url").write_text(_fresh_postgres(f"newsdesk_bench_{size}") + "\n")
    started = time.perf_counter()
    _migrated(data_dir)
    # Stories and the search index first, then the related lists in one process per core
    # (related-refresh over ranges of ids): ranking is most of a large archive's build.
    code = (
        "import django; django.setup()\n"
        "from django.db.models import Max, Min\n"
        "from newsdesk.articles.models import Article\n"
        "from newsdesk.search.backends import index_suspended\n"
        "from newsdesk.site.synthetic import archive_generate\n"
        "with index_suspended(related=False):\n"
        f"    archive_generate(articles={size}, batch_size=5000)\n"
        "print(*Article.objects.aggregate(low=Min('pk'), high=Max('pk')).values())\n"
    )
    built = subprocess.run(
        [sys.executable, "-c", code],
        env=env(data_dir),
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    print(built.stdout, end="")
    low, high = map(int, built.stdout.split()[-2:])
    _rank_related(data_dir, low, high)
    done.write_text(f"{time.perf_counter() - started:.0f} s\n")
    _analyzed(data_dir)
    _static(data_dir)
    return data_dir


def _migrated(data_dir: Path) -> None:
    command = [sys.executable, "-m", "newsdesk", "migrate", "-v0"]
    subprocess.run(command, env=env(data_dir), cwd=ROOT, check=True)


def _rank_related(data_dir: Path, low: int, high: int) -> None:
    """Every article's related list, by `newsdesk related-refresh --all` in one process per
    core, each over its own range of ids."""
    jobs = max(1, os.cpu_count() or 1)
    step = (high - low) // jobs + 1
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "newsdesk",
                "related-refresh",
                "--all",
                "-v0",
                "--from-id",
                str(start),
                "--to-id",
                str(min(high, start + step - 1)),
            ],
            env=env(data_dir),
            cwd=ROOT,
        )
        for start in range(low, high + 1, step)
    ]
    failed = [process.args for process in processes if process.wait() != 0]
    if failed:
        raise RuntimeError(f"Ranking related stories failed: {failed}")


def _fresh_postgres(name: str) -> str:
    """An empty database `name` on the benchmark's PostgreSQL server (dropped first if there)."""
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{POSTGRES}/{name}"


def _analyzed(data_dir: Path) -> None:
    """PostgreSQL: VACUUM ANALYZE once after the bulk load, as autovacuum would do within
    minutes on a live site; without statistics the planner takes the tables for empty."""
    url_file, marker = data_dir / "database-url", data_dir / "analyzed"
    if not url_file.exists() or marker.exists():
        return
    import psycopg

    with psycopg.connect(url_file.read_text().strip(), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    marker.write_text("VACUUM ANALYZE after the load\n")


def _static(data_dir: Path) -> None:
    # Pages link their CSS through the manifest storage, as in production.
    command = [sys.executable, "-m", "newsdesk", "collectstatic", "--noinput", "-v0"]
    subprocess.run(command, env=env(data_dir), cwd=ROOT, check=True)


def database_option(parser) -> None:
    parser.add_argument(
        "--database",
        choices=DATABASES,
        default="sqlite",
        help="the archive's database (default: sqlite, the embedded default)",
    )


def section_name(name: str, database: str) -> str:
    """The BENCHMARKS.md section of a benchmark run on `database`: SQLite keeps the old name."""
    return name if database == "sqlite" else f"{name}-{database}"


def database_words(database: str) -> str:
    if database == "sqlite":
        return "default SQLite settings"
    return "PostgreSQL on loopback (NEWSDESK_DATABASE_URL, otherwise default settings, no Redis)"


def wsgi_caller(application=None):
    """path -> (status, headers, body, seconds), straight through Django's WSGI handler (or
    through `application`, e.g. config.wsgi's, with the page cache in front)."""
    from django.core.handlers.wsgi import WSGIHandler

    handler = application or WSGIHandler()

    def call(path: str, query: str = "", headers: dict | None = None):
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1:8000",
            "wsgi.url_scheme": "http",
            "wsgi.input": BytesIO(),
            "wsgi.errors": sys.stderr,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            **(headers or {}),
        }
        result = {}

        def start_response(status, response_headers, exc_info=None):
            result["status"], result["headers"] = status, dict(response_headers)

        started = time.perf_counter()
        response = handler(environ, start_response)
        body = b"".join(response)
        if hasattr(response, "close"):
            response.close()
        return result["status"], result["headers"], body, time.perf_counter() - started

    return call


DATABASE_WORK_WORDS = (
    " Database work: on PostgreSQL the 8 KiB pages its reads touched for one request"
    " (EXPLAIN (ANALYZE, BUFFERS) of each query), on SQLite the steps of its virtual machine"
    " (a progress handler called at each); unlike time, neither moves with the machine's load."
)


def database_work_unit(database: str) -> str:
    return "database steps" if database == "sqlite" else "database pages"


def database_work(call, path: str, query: str = "", headers: dict | None = None) -> int:
    """The database's own work for one request (DATABASE_WORK_WORDS), the request run once
    more: on SQLite counting its steps; on PostgreSQL each SELECT it ran is run again under
    EXPLAIN (ANALYZE, BUFFERS) and its shared blocks hit and read summed (a plan's top node
    counts its children's)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from newsdesk.core.tests.dbwork import sqlite_steps

    if connection.vendor == "sqlite":
        with sqlite_steps() as steps:
            call(path, query, headers)
        return steps.count
    with CaptureQueriesContext(connection) as queries:
        call(path, query, headers)
    pages = 0
    with connection.cursor() as cursor:
        for sql in (q["sql"] for q in queries.captured_queries):
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0]
            plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
            pages += plan["Shared Hit Blocks"] + plan["Shared Read Blocks"]
    return pages


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def measure_in(data_dir: Path, script: str, *args: str) -> dict:
    """Run `script --measure ARGS` against the archive in `data_dir`, in a process of its own
    (fresh settings and connections), and return the JSON it prints last."""
    done = subprocess.run(
        [sys.executable, script, "--measure", *args],
        env=env(data_dir),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        print(done.stderr, file=sys.stderr)
        done.check_returncode()
    return json.loads(done.stdout.strip().splitlines()[-1])
