"""Wire ingest: the grouping threshold, measured; feed items per second parsed, grouped, stored;
hostile feeds, and how soon they are refused.

    .venv/bin/python bench/ingest.py            # threshold, throughput (2,000 items), hostile
    .venv/bin/python bench/ingest.py --items 5000

1. Threshold. Pairs built from bench/data/stories.json (24 stories written for the project, in
   topic pairs such as two floods, two strikes, two central banks, so that different stories
   share vocabulary): each story against its own rewrites (light, medium, heavy, short) is a
   pair that must group; every two different stories, and every rewrite against every other
   story, is a pair that must not. For shingles of 1, 2 and 3 words it reports the estimated
   Jaccard similarity (MinHash, 128 permutations, as stored) of both kinds of pairs, and
   precision and recall of "same story" at each threshold.
2. Throughput. A fresh SQLite database (default settings), an RSS feed of N items (a quarter of
   them rewrites of earlier ones, so that grouping has work to do), then: parse the feed, and
   store every item (lookup, insert, MinHash, LSH band lookup, story, bands), one transaction
   per batch (store.BATCH_SIZE). Also the same through the drop-folder poll, as the task
   runner does it (every item joins the story of its twin from the first run), and the first
   feed again with every item changed (versions kept, bands replaced).
3. Hostile feeds (issue 12): documents built to hold a worker, each through the time-limited
   parse helper as a poll runs it: how long until it is refused (or killed at the limit).
Results: BENCHMARKS.md, section "ingest".
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import os
import subprocess
import sys
import tempfile
import time
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import ROOT, machine, today, write_section  # noqa: E402
from _wire_corpus import STORIES, rewrite, synthetic, text_of  # noqa: E402

sys.path.insert(0, str(ROOT))
LEVELS = ("light", "medium", "heavy", "short")
THRESHOLDS = (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6)


def threshold_study() -> tuple[str, dict]:
    from newsdesk.ingest import dedup

    originals = {s["id"]: f"{s['title']}\n{text_of(s)}" for s in STORIES}
    rewrites = {(s["id"], level): "\n".join(rewrite(s, level)) for s in STORIES for level in LEVELS}
    lines = []
    summary = {}
    for k in (1, 2, 3):
        sig = {key: dedup.signature(text, k) for key, text in {**originals, **rewrites}.items()}
        pos = {
            level: [dedup.similarity(sig[s["id"]], sig[(s["id"], level)]) for s in STORIES]
            for level in LEVELS
        }
        neg = [dedup.similarity(sig[a], sig[b]) for a, b in itertools.combinations(originals, 2)]
        neg += [
            dedup.similarity(sig[(a, level)], sig[b])
            for a in originals
            for b in originals
            if a != b
            for level in LEVELS
        ]
        all_pos = [x for values in pos.values() for x in values]
        lines.append(
            f"\n**{k}-word shingles** ({len(all_pos)} same-story pairs, {len(neg)} "
            "different-story pairs)\n"
        )
        lines.append("| pairs | min | median | max |\n|---|---|---|---|")
        for level, values in pos.items():
            values = sorted(values)
            lines.append(
                f"| same story, {level} rewrite | {values[0]:.2f} | "
                f"{values[len(values) // 2]:.2f} | {values[-1]:.2f} |"
            )
        neg_sorted = sorted(neg)
        lines.append(
            f"| different stories | {neg_sorted[0]:.2f} | "
            f"{neg_sorted[len(neg) // 2]:.2f} | {neg_sorted[-1]:.2f} |"
        )
        lines.append(
            "\n| threshold | recall (same story grouped) | false groupings |\n|---|---|---|"
        )
        for t in THRESHOLDS:
            recall = sum(x >= t for x in all_pos) / len(all_pos)
            false = sum(x >= t for x in neg)
            lines.append(f"| {t:.2f} | {recall:.1%} | {false} of {len(neg)} |")
        summary[k] = {
            "min_pos": min(all_pos),
            "max_neg": max(neg),
            "min_pos_by_level": {lv: min(v) for lv, v in pos.items()},
        }
    return "\n".join(lines), summary


def feed_xml(n: int) -> bytes:
    """An RSS feed of n items: originals, rewrites of them, and distinct filler stories."""
    from datetime import UTC, datetime, timedelta

    start = datetime(2021, 4, 14, tzinfo=UTC)
    items = []
    for i in range(n):
        if i % 4 == 3:  # a rewrite of a story, as a second agency would send it
            story = STORIES[(i // 4) % len(STORIES)]
            title, text = rewrite(story, LEVELS[(i // 4) % 4], seed=i)
        elif i % 4 == 0 and i // 4 < len(STORIES):
            story = STORIES[i // 4]
            title, text = story["title"], text_of(story)
        else:
            title, text = synthetic(i)
        paragraphs = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n"))
        when = format_datetime(start + timedelta(minutes=i))
        items.append(
            f"<item><title>{escape(title)}</title><link>https://bench.example/a/{i}</link>"
            f'<guid isPermaLink="false">bench-{i}</guid><pubDate>{when}</pubDate>'
            f"<description><![CDATA[{paragraphs}]]></description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        "<title>Bench wire</title><link>https://bench.example/</link><description>b"
        f"</description><language>en</language>{''.join(items)}</channel></rss>"
    ).encode()


def throughput(n: int) -> str:
    data_dir = Path(tempfile.mkdtemp(prefix="newsdesk-bench-ingest-"))
    os.environ.update(
        NEWSDESK_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="config.settings.base"
    )
    os.environ.pop("NEWSDESK_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "newsdesk", "migrate", "-v0"], cwd=ROOT, check=True)
    import django

    django.setup()
    from django.db import connection

    from newsdesk.ingest.models import LshBand, Source, Story, WireItem
    from newsdesk.ingest.parsers.feed import parse_feed
    from newsdesk.ingest.polling import source_poll
    from newsdesk.ingest.store import BATCH_SIZE, Outcome, wire_items_store

    xml = feed_xml(n)
    t0, c0 = time.perf_counter(), time.process_time()
    entries = parse_feed(xml)
    t_parse, c_parse = time.perf_counter() - t0, time.process_time() - c0
    source = Source.objects.create(name="Bench", url="https://bench.example/feed")
    t0, c0 = time.perf_counter(), time.process_time()
    outcomes = [o for _item, o in wire_items_store(source=source, entries=entries)]
    t_store, c_store = time.perf_counter() - t0, time.process_time() - c0
    created = sum(o == Outcome.CREATED for o in outcomes)
    stories = Story.objects.count()
    grouped = WireItem.objects.filter(story__item_count__gt=1).count()

    # The same feed again, from a drop folder through the poller (parse in the helper process
    # with its time limit, then store): what the task runner does. Items are new to this source.
    folder = data_dir / "drop"
    folder.mkdir()
    (folder / "feed.xml").write_bytes(
        xml.replace(b"bench-", b"drop-").replace(
            b"https://bench.example/a/", b"https://drop.example/a/"
        )
    )
    drop = Source.objects.create(name="Drop", kind=Source.Kind.FOLDER, path=str(folder))
    t0 = time.perf_counter()
    report = source_poll(source=drop)
    t_poll = time.perf_counter() - t0
    assert report.counts[Outcome.CREATED] == n, report.counts
    t0 = time.perf_counter()
    again = source_poll(source=drop)
    t_again = time.perf_counter() - t0
    # The first feed again, every item changed: the update path (versions, rows, bands).
    changed = [dataclasses.replace(e, text=e.text + " Updated at noon.") for e in entries]
    t0, c0 = time.perf_counter(), time.process_time()
    updated = [o for _item, o in wire_items_store(source=source, entries=changed)]
    t_update, c_update = time.perf_counter() - t0, time.process_time() - c0
    assert updated.count(Outcome.UPDATED) == n, updated[:3]
    vendor = connection.vendor
    return (
        f"Feed of {n:,} items ({len(xml) / 1e6:.1f} MB), {vendor}, a transaction per batch "
        f"of {BATCH_SIZE} items.\n\n"
        "| step | wall time | items/s (wall) | CPU time | items per CPU-second |\n"
        "|---|---|---|---|---|\n"
        f"| parse (screen, defusedxml pass + feedparser) | {t_parse:.2f} s | {n / t_parse:,.0f} | "
        f"{c_parse:.2f} s | {n / c_parse:,.0f} |\n"
        f"| store + group (lookup, MinHash, LSH bands, story) | {t_store:.2f} s | "
        f"{n / t_store:,.0f} | {c_store:.2f} s | {n / c_store:,.0f} |\n"
        f"| **parse + group + store** | {t_parse + t_store:.2f} s | "
        f"**{n / (t_parse + t_store):,.0f}** | {c_parse + c_store:.2f} s | "
        f"**{n / (c_parse + c_store):,.0f}** |\n"
        f"| drop-folder poll (parse in the time-limited helper, store) | {t_poll:.2f} s | "
        f"{n / t_poll:,.0f} | | |\n"
        f"| same poll again (all {again.counts[Outcome.SKIPPED]:,} skipped) | {t_again:.2f} s | "
        f"{n / t_again:,.0f} | | |\n"
        f"| the first feed again, every item changed (versions, rows, bands) | "
        f"{t_update:.2f} s | {n / t_update:,.0f} | {c_update:.2f} s | {n / c_update:,.0f} |\n\n"
        "CPU time is this process's (SQLite runs in it): on a machine shared with other work it "
        "is what the same run takes on an idle core; wall time includes waiting for the CPU.\n\n"
        f"{created:,} items created in {stories:,} stories; {grouped:,} items share a story with "
        "another item (the rewrites and their originals). Every fourth item is a rewrite of a "
        "corpus story; the others are the 24 stories and distinct filler stories (corpus words "
        "in sentences of their own).\n\nMinHash LSH index: "
        f"{LshBand.objects.count():,} band rows in the database after both runs."
    )


def hostile_feeds() -> str:
    """Each hostile document through the parse helper with the production time limit."""
    from django.conf import settings

    from newsdesk.ingest.limits import ParseTimeout, run_limited
    from newsdesk.ingest.parsers.capture import ParseError
    from newsdesk.ingest.parsers.feed import parse_feed

    def rss(body: str) -> bytes:
        return (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            f"{body}</channel></rss>"
        ).encode()

    bomb = (
        '<?xml version="1.0" encoding="{enc}"{extra}?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        '<rss version="2.0"><channel><title>t</title><item><title>&c;</title></item>'
        "</channel></rss>"
    )
    attributes = " ".join(f'a{i}="x"' for i in range(400_000))
    documents = [
        ("one item with 400,000 attributes", rss(f"<item {attributes}><title>x</title></item>")),
        (
            "300,000 nested elements",
            rss(
                "<item><title>x</title><description>"
                + "<d>" * 300_000
                + "</d>" * 300_000
                + "</description></item>"
            ),
        ),
        (
            "70,000 nested elements, not well-formed",
            rss(
                "<item><title>x &nbsp;</title><description>"
                + "<d>" * 70_000
                + "</d>" * 70_000
                + "</description></item>"
            ),
        ),
        ("240,000 empty elements", rss("<x/>" * 240_000)),
        ("entity bomb in UTF-32", bomb.format(enc="UTF-32", extra="").encode("utf-32")),
        ("entity bomb in EBCDIC", bomb.format(enc="cp037", extra="").encode("cp037")),
        (
            "entity bomb in UTF-16, not well-formed",
            bomb.format(enc="UTF-16", extra=' standalone="maybe"').encode("utf-16"),
        ),
    ]
    limit = settings.NEWSDESK_INGEST_PARSE_TIMEOUT
    run_limited(parse_feed, rss("<item><guid>w</guid><title>warm</title></item>"))  # helper up
    rows = []
    for name, data in documents:
        t0 = time.perf_counter()
        try:
            outcome = f"read: {len(run_limited(parse_feed, data))} items"
        except ParseTimeout:
            outcome = f"killed at the {limit} s limit"
        except ParseError as exc:
            outcome = "refused: " + str(exc).split(";")[0].split(", so")[0]
        rows.append(
            f"| {name} | {len(data) / 1e6:.1f} MB | {time.perf_counter() - t0:.2f} s | {outcome} |"
        )
    return (
        "Each through the parse helper, as a poll runs it (time limit "
        f"NEWSDESK_INGEST_PARSE_TIMEOUT = {limit} s), timed from submitting it to the answer.\n\n"
        "| document | size | time | outcome |\n|---|---|---|---|\n" + "\n".join(rows)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=2000)
    args = parser.parse_args()
    study, summary = threshold_study()
    print(study)
    speed = throughput(args.items)
    print(speed)
    hostile = hostile_feeds()
    print(hostile)
    from newsdesk.ingest import dedup

    b, r = dedup.bands_and_rows()
    write_section(
        "ingest",
        f"""
## Wire ingest (bench/ingest.py)

`.venv/bin/python bench/ingest.py --items {args.items}` — {today()}; {machine()}; load
average while measuring {os.getloadavg()[0]:.1f} (other work shared the machine: the
figures are a floor).

### Throughput

{speed}

### Hostile feeds

{hostile}

### Grouping threshold

Estimated Jaccard similarity (MinHash, {dedup.NUM_PERM} permutations) of word-shingle sets.
In use: {dedup.SHINGLE_WORDS}-word shingles, threshold {dedup.THRESHOLD}, LSH with {b} bands of
{r} rows. Why: docs/wire-desk.md.
{study}
""",
    )


if __name__ == "__main__":
    main()
