"""Home, section, keyword and author pages, first and deep: the same cost at 1,000 and 300,000?

    .venv/bin/python bench/listing_pages.py                  # 1,000 and 300,000; BENCHMARKS.md
    .venv/bin/python bench/listing_pages.py --sizes 1000 --no-write

Archives come from bench/_archive.py (built once, reused). For each size, in a process of its
own, each page is rendered many times straight through Django's WSGI handler: no page cache, no
network, so every request is what a first view costs the origin. "Deep" is the page reached by
following "Older stories" from the first page a fixed number of times (keyset cursors): a reader
deep in the archive, which must not cost more than the first page.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _archive import (  # noqa: E402
    DATABASE_WORK_WORDS,
    archive,
    database_option,
    database_words,
    database_work,
    database_work_unit,
    measure_in,
    percentile,
    section_name,
    wsgi_caller,
)
from _report import machine, today, write_section  # noqa: E402

DEPTH = 25  # "Older stories" followed this many times: 500 stories back with 20 a page
NEXT = re.compile(rb'rel="next" href="\?after=([^"]+)"')


def targets() -> list[tuple[str, str]]:
    from django.db.models import Count

    from newsdesk.articles.models import Author, Keyword, Section

    section = Section.objects.order_by("id").first()
    keyword = Keyword.objects.annotate(n=Count("articles")).order_by("-n").first()
    author = Author.objects.annotate(n=Count("articles")).order_by("-n").first()
    pages = [("home", "/"), ("section", section.get_absolute_url())]
    pages.append(("busiest keyword", keyword.get_absolute_url()))
    if author is not None:
        pages.append(("busiest author", author.get_absolute_url()))
    return pages


def _deep_query(call, path: str) -> tuple[str, int]:
    """The query of the page DEPTH pages back, or of the last full page before it (a last page
    shows fewer stories, and costs less: not a fair "deep"), and how many pages back it is."""
    query, full, depth = "", "", 0
    for n in range(DEPTH):
        _, _, body, _ = call(path, query)
        found = NEXT.search(body)
        if not found:
            break
        full, depth = query, n
        query = "after=" + found.group(1).decode().replace("&amp;", "&")
    else:
        full, depth = query, DEPTH
    return full, depth


def measure(repeats: int) -> dict:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from newsdesk.articles.models import Article

    call = wsgi_caller()
    results = {}
    for name, path in targets():
        deep, pages_back = _deep_query(call, path)
        for depth, query in (("first", ""), ("deep", deep)):
            walls, cpus = [], []
            for n in range(repeats + 3):
                cpu = time.process_time()
                status, _, body, wall = call(path, query)
                cpu = time.process_time() - cpu
                assert status.startswith("200"), (path, query, status, body[:300])
                if n >= 3:  # warm-up
                    walls.append(wall)
                    cpus.append(cpu)
            with CaptureQueriesContext(connection) as queries:
                call(path, query)
            results[f"{name}, {depth}"] = {
                "wall50": round(percentile(walls, 50) * 1000, 2),
                "wall95": round(percentile(walls, 95) * 1000, 2),
                "cpu50": round(percentile(cpus, 50) * 1000, 2),
                "queries": len(queries),
                "db_work": database_work(call, path, query),
                "bytes": len(body),
                "pages_back": pages_back if depth == "deep" else 0,
            }
    return {"articles": Article.objects.count(), "results": results, "load": _load()}


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def report(runs: list[dict], repeats: int, database: str = "sqlite") -> str:
    work = database_work_unit(database)
    what = "p50 / p95 wall (p50 CPU), queries, " + work
    head = " | ".join(f"{r['articles']:,}: {what}" for r in runs)
    lines = [
        "## Listing pages: home, section, keyword, author"
        + ("" if database == "sqlite" else ", on PostgreSQL"),
        "",
        f"Measured {today()} on {machine()}.",
        f"Command: `.venv/bin/python bench/listing_pages.py` ({repeats} requests each after "
        "warm-up, through Django's WSGI handler without the page cache: every request costs what "
        f"a first view costs; {database_words(database)}; times in ms). Deep: {DEPTH} pages back "
        "through the keyset cursor, or the last full page before that (how far back is given)."
        + DATABASE_WORK_WORDS,
        "",
        f"| page | {head} | ratio of CPU | ratio of {work} |",
        "| --- |" + " ---: |" * (len(runs) + 2),
    ]
    for name in runs[0]["results"]:
        cells = []
        for r in runs:
            x = r["results"][name]
            back = f", {x['pages_back']} back" if x.get("pages_back") else ""
            blocks = f", {x['db_work']}"
            cells.append(
                f"{x['wall50']} / {x['wall95']} ({x['cpu50']}), {x['queries']}{blocks}{back}"
            )
        first, last = runs[0]["results"][name]["cpu50"], runs[-1]["results"][name]["cpu50"]
        ratio = f"{last / first:.2f}" if first else "-"
        first, last = (r["results"][name]["db_work"] for r in (runs[0], runs[-1]))
        ratio += f" | {last / first:.2f}" if first else " | -"
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {ratio} |")
    loads = ", ".join(f"{r['articles']:,}: {r['load']}" for r in runs)
    lines += ["", f"Load average at the end of each run: {loads}."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 300_000])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--rebuild", action="store_true", help="Build the archives again.")
    database_option(parser)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.repeats)))
        return
    runs = []
    for size in args.sizes:
        data_dir = archive(size, rebuild=args.rebuild, database=args.database)
        runs.append(measure_in(data_dir, __file__, "--repeats", str(args.repeats)))
    markdown = report(runs, args.repeats, args.database)
    print(markdown)
    if not args.no_write:
        write_section(section_name("listing_pages", args.database), markdown)


if __name__ == "__main__":
    main()
