"""Instructions per article first view, Newsdesk beside plain Django, counted by callgrind.

    .venv/bin/python bench/article_instructions.py            # 1k and 300k; writes BENCHMARKS.md
    .venv/bin/python bench/article_instructions.py --sizes 1000 --views 20 --no-write

bench/article_page.py measures CPU time, which on a shared or throttled machine moves by a
third between two runs of the same code, and by more between two machines. The instructions a
view executes do not: valgrind's callgrind counts them, whatever else the machine does. The same
sides as article_page.py, on its kept SQLite archives (bench/_archive.py; SQLite runs in the
process, so the database's work is counted too): Newsdesk as served (config/wsgi.py, a first view
renders and the page cache keeps it) and the plain Django site (bench/_plainsite). Each side runs
twice under callgrind, after the same warm-up views: once with no measured view and once with N
first views of other articles; the difference over N is one first view. All four runs of an
archive run at once (callgrind is single-threaded; counts do not depend on the load).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _archive import archive  # noqa: E402
from _archive import env as _env  # noqa: E402
from _report import ROOT, machine, today, write_section  # noqa: E402
from article_page import prepare, run_measure, wsgi_call  # noqa: E402

WARMUP = 20


def paths(rows: list[tuple[int, str]], views: int, most: int) -> tuple[list[str], list[str]]:
    """The warm-up addresses and the first `views` measured ones: spread over the archive and the
    same whatever `views` is, so that two runs differ only by the measured views."""
    step = max(1, len(rows) // (WARMUP + most))
    chosen = [f"/news/{news_id}/{slug}/" for news_id, slug in rows[::step][: WARMUP + most]]
    return chosen[:WARMUP], chosen[WARMUP : WARMUP + views]


PAGE_TIME = re.compile(rb'<span class="page-time">[^<]*</span>')


def child(side: str, views: int, most: int, database: dict | None, pages: str | None) -> None:
    """Under callgrind: the side's start, its warm-up, then `views` first views. With `pages` (a
    file name), not counted: the measured views' documents are written there, less the time each
    took to generate, for same_document()."""
    import django

    if side == "plain":
        import _plainsite

        _plainsite.configure(database)
        django.setup()
        from _plainsite.models import Article
        from django.core.handlers.wsgi import WSGIHandler

        application = WSGIHandler()
    else:
        django.setup()
        from config.wsgi import application
        from newsdesk.articles.models import Article
    rows = list(Article.objects.published().order_by("pk").values_list("news_id", "slug"))
    warmup, measured = paths(rows, views, most)
    for path in warmup:
        wsgi_call(application, path)
    documents = {}
    for path in measured:
        documents[path] = PAGE_TIME.sub(b"", wsgi_call(application, path)[3]).decode()
    if pages:
        Path(pages).write_text(json.dumps(documents))


def same_document(data_dir: Path, views: int, database: dict) -> int:
    """The measured articles as both sides render them: they must be the same document (the same
    bytes, but for the time each took to generate), or the counts would compare different
    pages. Returns how many were compared; stops the benchmark on the first difference."""
    import difflib

    rendered = {}
    with tempfile.TemporaryDirectory(prefix="newsdesk-pages-") as tmp:
        for side in ("newsdesk", "plain"):
            out = Path(tmp) / f"{side}.json"
            command = [sys.executable, __file__, "--child", side, "--views", str(views)]
            command += ["--most", str(views), "--extra", json.dumps(database), "--pages", str(out)]
            subprocess.run(command, env=_env(data_dir), cwd=ROOT, check=True)
            rendered[side] = json.loads(out.read_text())
    for path, ours in rendered["newsdesk"].items():
        plain = rendered["plain"][path]
        if ours != plain:
            diff = difflib.unified_diff(
                plain.splitlines(), ours.splitlines(), "plain", "newsdesk", lineterm=""
            )
            sys.exit(f"{path} differs between the two sides:\n" + "\n".join(list(diff)[:40]))
    return len(rendered["newsdesk"])


def counted(data_dir: Path, side: str, views: int, most: int, database: dict) -> int:
    """The instructions callgrind counted over the whole run of one child."""
    with tempfile.TemporaryDirectory(prefix="newsdesk-callgrind-") as tmp:
        out = Path(tmp) / "callgrind.out"
        command = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            "--child",
            side,
            "--views",
            str(views),
            "--most",
            str(most),
            "--extra",
            json.dumps(database),
        ]
        done = subprocess.run(command, env=_env(data_dir), cwd=ROOT, capture_output=True, text=True)
        if done.returncode:
            print(done.stderr[-3000:], file=sys.stderr)
        done.check_returncode()
        [total] = re.findall(r"^summary: (\d+)", out.read_text(), re.M)
        return int(total)


def measure(size: int, views: int) -> dict:
    data_dir = archive(size)
    prepare(data_dir)
    # How Newsdesk opens the database, for the plain site to open it the same way.
    database = run_measure(data_dir, "newsdesk", 2)["database"]
    compared = same_document(data_dir, views, database)
    runs = [(side, n) for side in ("newsdesk", "plain") for n in (0, views)]
    with ThreadPoolExecutor(max_workers=len(runs)) as pool:
        totals = dict(
            zip(
                runs,
                pool.map(lambda run: counted(data_dir, *run, most=views, database=database), runs),
                strict=True,
            )
        )
    per_view = {
        side: (totals[(side, views)] - totals[(side, 0)]) / views for side in ("newsdesk", "plain")
    }
    counts = {f"{side}, {n} views": total for (side, n), total in totals.items()}
    return {
        "size": size,
        "views": views,
        "same_documents": compared,
        "per_view": per_view,
        "totals": counts,
    }


DESCRIPTION = """
Command: `.venv/bin/python bench/article_instructions.py`. Instructions executed by the Python
process for one article first view, counted by valgrind's callgrind (the same for the same code
and data, whatever else the machine does; SQLite runs in the process, so its work is counted).
The two sides of bench/article_page.py on its kept SQLite archives: *Newsdesk* as served
(config/wsgi.py: the view renders, the page cache keeps the page) and *plain Django*
(bench/_plainsite: default settings and middleware, one view and one template, no cache).
Both render the same document: before counting, each measured article is rendered by both and
the bytes compared (all the same but for the footer's generation time; the run stops at a
difference). Each side ran twice after the same {warmup} warm-up views: with no measured
view and with {views} first views of other articles; the difference over {views} is one view.
"""


def report(results: list[dict]) -> str:
    lines = [
        "## Article first view in instructions (`article_instructions`)",
        "",
        f"Measured {today()} on {machine()}.",
        DESCRIPTION.format(warmup=WARMUP, views=results[0]["views"]).strip().replace("\n", " "),
        "",
        "| archive | views | same documents | Newsdesk first view | plain Django view"
        " | Newsdesk / plain |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        ours, plain = result["per_view"]["newsdesk"], result["per_view"]["plain"]
        lines.append(
            f"| {result['size']:,} | {result['views']} | {result['same_documents']} of"
            f" {result['views']} | {ours / 1e6:.2f} M | {plain / 1e6:.2f} M"
            f" | {ours / plain:.2f} |"
        )
    if len(results) > 1:
        first, last = results[0]["per_view"]["newsdesk"], results[-1]["per_view"]["newsdesk"]
        lines += [
            "",
            f"Newsdesk's first view at {results[-1]['size']:,} stories against "
            f"{results[0]['size']:,}: {last / first:.2f}.",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 300_000])
    parser.add_argument("--views", type=int, default=50, help="measured first views per run")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--child", choices=["newsdesk", "plain"], help=argparse.SUPPRESS)
    parser.add_argument("--most", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--extra", help=argparse.SUPPRESS)
    parser.add_argument("--pages", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.views, args.most, json.loads(args.extra), args.pages)
        return
    if subprocess.run(["valgrind", "--version"], capture_output=True).returncode:
        sys.exit("valgrind is needed: apt-get install valgrind")
    results = []
    for size in args.sizes:
        print(f"Counting {size:,} ...", flush=True)
        results.append(measure(size, args.views))
        print(json.dumps(results[-1]), flush=True)
    markdown = report(results)
    print(markdown)
    if not args.no_write:
        write_section("article_instructions", markdown)


if __name__ == "__main__":
    main()
