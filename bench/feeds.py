"""Feeds and sitemaps: the same time at 1,000 and at 300,000 articles?

    .venv/bin/python bench/feeds.py                  # 1,000 and 300,000 articles; BENCHMARKS.md
    .venv/bin/python bench/feeds.py --sizes 1000 --no-write

Archives come from bench/_archive.py (built once, reused). For each size, in a separate process,
each feed and sitemap is requested many times straight through Django's WSGI handler (no
network, no cache): RSS, Atom and JSON Feed for the site, a section and the busiest keyword; a
conditional request answered 304, uncached (rendered, then compared with the body's ETag) and
from the origin's page cache (what a repeat reader gets); the sitemap index, the Google News
sitemap, the section and keyword sitemaps, and the first and the last article sitemap (blocks of
50,000 News IDs).
"""

from __future__ import annotations

import argparse
import json
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


def targets() -> list[tuple[str, str, dict]]:
    from django.db.models import Count

    from newsdesk.articles.models import Keyword, Section
    from newsdesk.feeds.sitemaps import article_blocks

    section = Section.objects.order_by("id").first()
    keyword = Keyword.objects.annotate(n=Count("articles")).order_by("-n").first()
    blocks = article_blocks()
    # The last block may hold a handful of stories; the one before it is full and deep.
    deep = blocks[-2] if len(blocks) > 1 else blocks[-1]
    return [
        ("RSS, site", "/feeds/rss/", {}),
        ("Atom, site", "/feeds/atom/", {}),
        ("JSON Feed, site", "/feeds/json/", {}),
        ("RSS, section", f"/feeds/section/{section.slug}/rss/", {}),
        ("RSS, busiest keyword", f"/feeds/keyword/{keyword.slug}/rss/", {}),
        ("RSS, 304 Not Modified, uncached", "/feeds/rss/", {"conditional": True}),
        ("RSS, 304 from the page cache", "/feeds/rss/", {"conditional": True, "kept": True}),
        ("sitemap index", "/sitemap.xml", {}),
        ("Google News sitemap", "/sitemap-news.xml", {}),
        ("sections sitemap", "/sitemap-sections.xml", {}),
        ("keywords sitemap", "/sitemap-keywords.xml", {}),
        ("articles sitemap, first block", "/sitemap-articles.xml", {"query": f"p={blocks[0]}"}),
        ("articles sitemap, deepest full block", "/sitemap-articles.xml", {"query": f"p={deep}"}),
        ("robots.txt", "/robots.txt", {}),
    ]


def measure(repeats: int) -> dict:
    import django

    django.setup()
    from django.conf import settings

    from newsdesk.articles.models import Article

    assert not settings.DEBUG
    from config.wsgi import application

    uncached, kept = wsgi_caller(), wsgi_caller(application)
    results = {}
    for name, path, options in targets():
        call = kept if options.get("kept") else uncached
        query = options.get("query", "")
        headers = {}
        if options.get("conditional"):
            _, first, _, _ = call(path, query)
            headers = {"HTTP_IF_NONE_MATCH": first["ETag"]}
        walls, cpus, sizes = [], [], []
        for n in range(repeats + 3):
            cpu = time.process_time()
            status, _, body, wall = call(path, query, headers)
            cpu = time.process_time() - cpu
            expected = "304" if options.get("conditional") else "200"
            assert status.startswith(expected), (path, status, body[:300])
            if n >= 3:  # warm-up
                walls.append(wall)
                cpus.append(cpu)
                sizes.append(len(body))
        results[name] = {
            "wall50": round(percentile(walls, 50) * 1000, 2),
            "wall95": round(percentile(walls, 95) * 1000, 2),
            "cpu50": round(percentile(cpus, 50) * 1000, 2),
            "bytes": sizes[0],
            "db_work": database_work(call, path, query, headers),
        }
    return {"articles": Article.objects.count(), "results": results, "load": _load()}


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def report(runs: list[dict], repeats: int, database: str = "sqlite") -> str:
    work = database_work_unit(database)
    what = "p50 / p95 wall (p50 CPU), size, " + work
    head = " | ".join(f"{r['articles']:,}: {what}" for r in runs)
    lines = [
        "## Feeds and sitemaps" + ("" if database == "sqlite" else " on PostgreSQL"),
        "",
        f"Measured {today()} on {machine()}.",
        f"Command: `.venv/bin/python bench/feeds.py` ({repeats} requests each after warm-up, "
        f"through Django's WSGI handler, uncached unless the row says otherwise; "
        f"{database_words(database)}; times in ms)." + DATABASE_WORK_WORDS,
        "",
        f"| what | {head} |",
        "| --- |" + " ---: |" * len(runs),
    ]
    loads = ", ".join(f"{r['articles']:,}: {r['load']}" for r in runs)
    for name in runs[0]["results"]:
        cells = []
        for r in runs:
            x = r["results"][name]
            blocks = f", {x['db_work']}"
            cells.append(
                f"{x['wall50']} / {x['wall95']} ({x['cpu50']}), {x['bytes'] / 1024:.0f} KiB"
                + blocks
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "What each reads: a feed and its 304 a bounded number of stories, on indexes; the "
        "sitemap index and the keywords sitemap each keyword (and the index each author) once; "
        "an article sitemap its URLs (up to 50,000 per block, about 5 microseconds of CPU "
        "each), the same for the first and the deepest block (News ID ranges, no OFFSET); the "
        "Google News sitemap the stories of the last 48 hours (at most 1,000).",
        "",
        f"Load average of the machine at the end of each run (other work was running): {loads}. "
        "CPU time (the process's own) is the steadier figure when the machine is shared.",
    ]
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
        write_section(section_name("feeds", args.database), markdown)


if __name__ == "__main__":
    main()
