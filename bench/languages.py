"""The article page in English and in Persian: what the site's language costs a first view.

    .venv/bin/python bench/languages.py                      # 1,000 stories; writes BENCHMARKS.md
    .venv/bin/python bench/languages.py --size 500 --articles 200 --no-write

One archive (a fresh data folder, SQLite, `newsdesk generate`), then bench/article_page.py's own
measurement (Newsdesk as served, config/wsgi.py: first views, then repeat views from the page
cache) in a process per language, alternated and repeated `--rounds` times so that the machine's
other load falls on both alike: NEWSDESK_LANGUAGE=en, then fa (Persian words, digits and
direction). Reported: the median of the rounds' p50 CPU per first view, the ratio fa/en, the
queries of one view and the page's size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import machine, today, write_section  # noqa: E402
from article_page import build, prepare, run_measure  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--articles", type=int, default=300, help="articles viewed per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    options = parser.parse_args()
    results: dict[str, list[dict]] = {"en": [], "fa": []}
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-lang-") as folder:
        data_dir = Path(folder)
        prepare(data_dir)
        build(options.size, data_dir)
        for _ in range(options.rounds):
            for language in results:
                os.environ["NEWSDESK_LANGUAGE"] = language
                results[language].append(run_measure(data_dir, "newsdesk", options.articles))
    os.environ.pop("NEWSDESK_LANGUAGE", None)

    def p50(language: str, view: str) -> float:
        return statistics.median(run[view]["cpu_p50"] for run in results[language])

    rows = []
    for language in results:
        run = results[language][-1]
        rows.append(
            f"| {language} | {p50(language, 'first'):.2f} | {p50(language, 'repeat'):.3f} | "
            f"{run['first_queries']} | {run['page_bytes']:,} |"
        )
    ratio = p50("fa", "first") / p50("en", "first")
    loads = [run["load_average"] for runs in results.values() for run in runs]
    markdown = f"""## The article page in Persian and in English (bench/languages.py)
{today()} on {machine()}, shared with up to 7 other engineers running tests (load average
{min(loads):.1f} to {max(loads):.1f}): the same archive of {options.size:,} stories,
{options.articles} first views and as many repeat views per run, {options.rounds} rounds
alternating the site's language. CPU per view (time.process_time), median of the rounds' p50.

| NEWSDESK_LANGUAGE | first view p50 CPU ms | repeat view p50 CPU ms | queries | page bytes |
|---|---|---|---|---|
{chr(10).join(rows)}

A Persian first view costs **{ratio:.2f}x** an English one (Persian catalogue, digits written
out, right-to-left markup); repeat views come from the page cache in either language.
"""
    print(markdown)
    if not options.no_write:
        write_section("languages", markdown)


if __name__ == "__main__":
    main()
