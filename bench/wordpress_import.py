"""`newsdesk import-wordpress` on a generated export: time, memory, and the second run.

    .venv/bin/python bench/wordpress_import.py [--posts 2000]

The export is written for the run: N posts (Gutenberg paragraphs, a sub-heading, a caption
shortcode without its picture file, two categories of ten, three tags of fifty, four authors)
with three comments each (one a reply), into a fresh SQLite database in a temporary folder.
Measured: the whole import (parse, articles, sections, keywords, comments, old addresses),
its wall and CPU time, the Python heap's peak (tracemalloc) and the growth of the resident set;
then the same file again (every post skipped). Results: BENCHMARKS.md, "wordpress-import".
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import ROOT, machine, today, write_section  # noqa: E402

sys.path.insert(0, str(ROOT))

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Bench Courier</title><link>https://bench.example</link>
<wp:base_blog_url>https://bench.example</wp:base_blog_url>
"""
WORDS = [
    "council",
    "river",
    "bridge",
    "budget",
    "vote",
    "mayor",
    "school",
    "rail",
    "strike",
    "weather",
    "harbour",
    "market",
    "hospital",
    "museum",
    "festival",
    "police",
    "court",
    "election",
    "farmers",
    "water",
    "energy",
]


def _post(n: int) -> str:
    words = [WORDS[(n * 7 + i) % len(WORDS)] for i in range(60)]
    text = " ".join(words)
    comments = "".join(
        f"<wp:comment><wp:comment_id>{n * 10 + c}</wp:comment_id>"
        f"<wp:comment_author>Reader {c}</wp:comment_author>"
        f"<wp:comment_author_email>reader{c}.{n}@example.com</wp:comment_author_email>"
        f"<wp:comment_date_gmt>2024-01-02 10:0{c}:00</wp:comment_date_gmt>"
        f"<wp:comment_content><![CDATA[Comment {c} on post {n}: {text[:80]}]]></wp:comment_content>"
        f"<wp:comment_approved>{'1' if c < 2 else '0'}</wp:comment_approved>"
        f"<wp:comment_parent>{n * 10 if c == 2 else 0}</wp:comment_parent></wp:comment>"
        for c in range(3)
    )
    return (
        f"<item><title>Story {n}: {words[0]} {words[1]}</title>"
        f"<link>https://bench.example/2024/01/02/story-{n}/</link>"
        f"<dc:creator>author{n % 4}</dc:creator>"
        "<content:encoded><![CDATA[<!-- wp:paragraph --><p>"
        + text
        + "</p><!-- /wp:paragraph --><h2>More</h2>[caption]<img src='https://bench.example/"
        "wp-content/uploads/x.jpg'> A caption[/caption]\n\n"
        + text
        + "]]></content:encoded><excerpt:encoded><![CDATA[]]></excerpt:encoded>"
        f"<wp:post_id>{n}</wp:post_id><wp:post_date>2024-01-02 09:00:00</wp:post_date>"
        "<wp:post_date_gmt>2024-01-02 08:00:00</wp:post_date_gmt>"
        f"<wp:post_name>story-{n}</wp:post_name><wp:status>publish</wp:status>"
        "<wp:post_type>post</wp:post_type>"
        f'<category domain="category" nicename="section-{n % 10}">Section {n % 10}</category>'
        + "".join(
            f'<category domain="post_tag" nicename="tag-{t}">Tag {t}</category>'
            for t in ((n + k) % 50 for k in range(3))
        )
        + comments
        + "</item>\n"
    )


def _write(path: Path, numbers: range) -> None:
    with path.open("w") as out:
        out.write(HEAD)
        for n in range(4):
            out.write(
                f"<wp:author><wp:author_login>author{n}</wp:author_login>"
                f"<wp:author_display_name>Author Number {n}</wp:author_display_name></wp:author>"
            )
        for n in numbers:
            out.write(_post(n))
        out.write("</channel></rss>\n")


def _resident() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=2000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="newsdesk-bench-wxr-"))
    os.environ.update(NEWSDESK_DATA_DIR=str(folder), DJANGO_SETTINGS_MODULE="config.settings.base")
    os.environ.pop("NEWSDESK_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "newsdesk", "migrate", "-v0"], cwd=ROOT, check=True)
    export, more = folder / "export.xml", folder / "more.xml"
    _write(export, range(1, args.posts + 1))
    _write(more, range(args.posts + 1, 2 * args.posts + 1))
    import django

    django.setup()
    from newsdesk.site.wordpress import wordpress_import

    runs = []
    # Timed without tracemalloc (it slows Python down several times); the heap's peak is
    # measured on a third run, of as many new posts.
    for label, path, traced in (
        ("first import", export, False),
        ("same file again", export, False),
        ("as many new posts, heap traced", more, True),
    ):
        start_rss = _resident()
        if traced:
            tracemalloc.start()
        t0, c0 = time.perf_counter(), time.process_time()
        report = wordpress_import(path=path, allow_fetch=False)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        peak = tracemalloc.get_traced_memory()[1] if traced else None
        tracemalloc.stop()
        runs.append((label, report, wall, cpu, peak, _resident() - start_rss))
    size = export.stat().st_size / 1024 / 1024
    rows = [
        "| run | posts | comments | wall s | CPU s | posts per CPU-second | Python heap peak | "
        "resident set grew |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, report, wall, cpu, peak, grown in runs:
        posts = ", ".join(f"{report.posts[o]} {o}" for o in ("created", "updated", "skipped"))
        comments = ", ".join(f"{report.comments[o]} {o}" for o in ("created", "skipped"))
        rows.append(
            f"| {label} | {posts} | {comments} | {wall:.1f} | {cpu:.1f} | "
            f"{args.posts / cpu:.0f} | {f'{peak / 1e6:.1f} MB' if peak else '-'} | "
            f"{grown / 1e6:.1f} MB |"
        )
    markdown = "\n".join(
        [
            "## WordPress import (bench/wordpress_import.py)",
            "",
            f"`.venv/bin/python bench/wordpress_import.py --posts {args.posts}` — {today()}; "
            f"{machine()}; load average {os.getloadavg()[0]:.1f} (a machine shared with other "
            "engineers' test runs: times are a ceiling, CPU time is the figure to compare).",
            "",
            f"A generated export of {args.posts:,} posts ({size:.1f} MB, three comments each, no "
            "attachments) into a fresh SQLite database; the third run imports a second export of "
            "as many other posts with tracemalloc on (its times are not comparable).",
            "",
            *rows,
        ]
    )
    write_section("wordpress-import", markdown)
    print(markdown)


if __name__ == "__main__":
    main()
