"""The static mirror over a large archive: the export, one edit's update, and nginx serving it.

    .venv/bin/python bench/mirror.py                  # 1,000 and 100,000 stories; BENCHMARKS.md
    .venv/bin/python bench/mirror.py --sizes 1000 --jobs 1 --no-write

The archive comes from bench/_archive.py (built once, kept), copied and migrated to the code as
it is (bench/_stack.py, scratch_archive): the edits below never touch the kept archive.

1. Export, at each of --sizes: `Mirror.export(jobs=--jobs)` (what `newsdesk mirror DIR
   --jobs N` runs) into an empty folder, in a process of its own. Reported: wall time, CPU
   time (the process and its rendering workers), peak resident memory of the process and of
   the largest worker (getrusage), files written, the folder's and the index's size.
2. Update, at the largest size: in another process, a story's headline is changed with the
   newsroom's own service (articles.services.article_save) and the mirror is given the keys
   the change purges (articles.tasks.article_keys, what the purge task passes on); the time
   until the mirror is current, for --edits stories spread over the archive, and for one new
   story published into a section with keywords. The process has made one update before
   (warm), as a task worker has.
3. nginx (the server block docs/operations.md gives, one worker) serving a story page of the
   mirror, beside a file of exactly the same size in the same folder; wrk on loopback
   (1 thread, --connections, keep-alive), --rounds rounds in alternating order.

`--profile N` instead: where an export's time goes, at N stories, in one process under
cProfile (which slows Python code, so the shares, not the times, are the figures): Django's
handler and middleware around each view, each kind of view, and the mirror's own work
(links, files, index). Written to BENCHMARKS.md in a section of its own.
"""

from __future__ import annotations

import argparse
import getpass
import json
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _archive import archive  # noqa: E402
from _archive import env as archive_env  # noqa: E402
from _report import machine, today, write_section  # noqa: E402
from _stack import ROOT, Stack, free_port, load, scratch_archive, wait_http, wrk  # noqa: E402

COMMAND = " ".join([".venv/bin/python", f"bench/{Path(__file__).name}", *sys.argv[1:]])


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _anon_mb(pid: str = "self") -> float:
    """Resident memory that is the process's own (RssAnon): without the SQLite database file's
    pages it maps (mmap_size), which the kernel shares and takes back at will."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class _Sampler(threading.Thread):
    """The peak RssAnon of this process and of its children, every half second."""

    def __init__(self):
        super().__init__(daemon=True)
        self.own = self.workers = 0.0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.wait(0.5):
            self.own = max(self.own, _anon_mb())
            for children in Path("/proc/self/task").glob("*/children"):
                for pid in children.read_text().split():
                    self.workers = max(self.workers, _anon_mb(pid))


def measure_export(out: Path, jobs: int) -> dict:
    import django

    django.setup()
    from newsdesk.site.mirror import Mirror

    sampler = _Sampler()
    sampler.start()
    started, cpu = time.perf_counter(), time.process_time()
    report = Mirror.prepare(out).export(jobs=jobs, detail=False)
    wall = time.perf_counter() - started
    sampler.stop.set()
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    index = out / ".newsdesk-mirror" / "index.sqlite3"
    return {
        "seconds": wall,
        "cpu": time.process_time() - cpu + workers.ru_utime + workers.ru_stime,
        "rss_mb": own.ru_maxrss / 1024,
        "worker_rss_mb": workers.ru_maxrss / 1024,
        "anon_mb": sampler.own,
        "worker_anon_mb": sampler.workers,
        "written": report.written_count,
        "missing": sorted(report.missing)[:5],
        "folder_mb": _folder_size(out) / 1e6,
        "index_mb": index.stat().st_size / 1e6,
    }


def measure_update(out: Path, edits: int) -> dict:
    import django

    django.setup()
    from django.db import transaction

    from newsdesk.articles.models import Article, Keyword, Section
    from newsdesk.articles.services import article_publish, article_save
    from newsdesk.articles.tasks import article_keys
    from newsdesk.site.mirror import Mirror

    mirror = Mirror(out)
    stories = Article.objects.published().order_by("news_id")
    total = stories.count()
    first = stories.first()
    mirror.keys_purged([f"comments-{first.news_id}"])  # warm: a task worker has run before

    def timed(article) -> dict:
        keys = article_keys(article)
        started = time.perf_counter()
        reports = mirror.keys_purged(keys)
        seconds = time.perf_counter() - started
        return {
            "seconds": seconds,
            "keys": len(keys),
            "written": sum(len(r.written) for r in reports),
            "deleted": sum(len(r.deleted) for r in reports),
        }

    results = []
    for n in range(edits):
        article = stories[(n * 7919 + total // 3) % total]
        article.headline = f"{article.headline} (updated {n})"
        with transaction.atomic():
            article_save(article=article, by=None)
        results.append({"news_id": article.news_id, **timed(article)})
    section = Section.objects.order_by("pk").first()
    with transaction.atomic():
        new = article_save(
            article=Article(headline="Mirror bench: a new story", section=section), by=None
        )
        new.keywords.set(Keyword.objects.order_by("pk")[:3])
        article_publish(article=new, by=None)
    return {"edits": results, "publish": timed(new)}


# The views an export renders, by the function that answers (module, name) -> what readers see.
PROFILED_VIEWS = {
    ("newsdesk/feeds/views.py", "feed"): "feeds (RSS, Atom, JSON Feed)",
    ("newsdesk/site/views/articles.py", "article_detail"): "story pages",
    ("newsdesk/site/mirror/lists.py", "list_page"): "deeper list pages",
    ("newsdesk/site/views/articles.py", "home"): "list heads",
    ("newsdesk/site/views/articles.py", "section_detail"): "list heads",
    ("newsdesk/site/views/articles.py", "keyword_detail"): "list heads",
    ("newsdesk/site/views/articles.py", "author_detail"): "list heads",
}


def measure_profile(out: Path) -> dict:
    import cProfile
    import pstats

    import django

    django.setup()
    from newsdesk.site.mirror import Mirror

    mirror = Mirror.prepare(out)
    profile = cProfile.Profile()
    profile.enable()
    report = mirror.export(jobs=1, detail=False)
    profile.disable()
    stats = pstats.Stats(profile).stats  # (file, line, name) -> (cc, nc, tt, cumulative, ...)

    def cumulative(path: str, name: str) -> float:
        return sum(v[3] for (f, _, n), v in stats.items() if f.endswith(path) and n == name)

    total = cumulative("newsdesk/site/mirror/build.py", "_export")
    handler = cumulative("django/core/handlers/base.py", "get_response")
    views: dict[str, float] = {}
    for (path, name), label in PROFILED_VIEWS.items():
        views[label] = views.get(label, 0.0) + cumulative(path, name)
    viewed = cumulative("newsdesk/core/surrogate.py", "wrapper")  # @public: every page's view
    views["sitemaps, robots.txt, 404"] = viewed - sum(views.values())
    from newsdesk.articles.models import Keyword

    return {
        "files": report.written_count,
        "keywords": Keyword.objects.count(),
        "total": total,
        "middleware": handler - viewed,
        "views": views,
        "mirror": total - handler,
    }


def profile_main(size: int, no_write: bool) -> None:
    with Stack() as stack:
        load_before = load()
        scratch = stack.tmp / f"data-{size}"
        scratch_archive(archive(size), scratch)
        print(f"Exporting {size:,} stories under cProfile ...", flush=True)
        found = in_process(scratch, "profile", str(stack.tmp / "mirror"))
        load_after = load()
    total = found["total"]
    rows = [
        ("Django's handler and middleware, around each view", found["middleware"]),
        *sorted(found["views"].items(), key=lambda item: -item[1]),
        ("the mirror's own work: links, files, index", found["mirror"]),
    ]
    lines = [
        "### Where an export's time goes (bench/mirror.py --profile)",
        "",
        f"Measured {today()} on {machine()}; load average {load_before} before, {load_after} "
        f"after (other work was running on the machine). Command: "
        f"`.venv/bin/python bench/mirror.py --profile {size}`. One process under cProfile, "
        f"{found['files']:,} files from {size:,} stories; the shares of the export's time:",
        "",
        "| part | share |",
        "|---|---:|",
        *(f"| {name} | {seconds / total:.0%} |" for name, seconds in rows),
        "",
        "The request stack around each page (the reason one might render pages some other way) "
        "is a small part; the views' own work is most of it, and at this size the feeds lead: "
        f"{found['keywords']:,} keywords, each with three feeds of up to NEWSDESK_FEED_ITEMS "
        "stories in full text. An export is made faster by making those views faster (which "
        "the live site gains from too), not by going around Django.",
    ]
    markdown = "\n".join(lines)
    print(markdown)
    if not no_write:
        write_section("mirror-profile", markdown)


def in_process(data_dir: Path, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--measure", *args],
        env=archive_env(data_dir),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        print(done.stderr[-4000:], file=sys.stderr)
        done.check_returncode()
    return json.loads(done.stdout.strip().splitlines()[-1])


def nginx_mirror(stack: Stack, root: Path) -> int:
    """nginx with the documented server block, serving `root`; its port."""
    section = (ROOT / "docs" / "operations.md").read_text().split("## Static mirror", 1)[1]
    server = re.search(r"```nginx\n(server \{.*?\n\})\n```", section, re.DOTALL).group(1)
    port = free_port()
    server = re.sub(r"listen [^;]+;", f"listen 127.0.0.1:{port};", server, count=1)
    server = re.sub(r"root [^;]+;", f"root {root};", server, count=1)
    prefix = stack.tmp / "nginx"
    prefix.mkdir()
    temp = "".join(
        f"    {n}_temp_path {prefix}/{n};\n"
        for n in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = prefix / "nginx.conf"
    conf.write_text(
        f"user {getpass.getuser()};\nworker_processes 1;\npid {prefix}/nginx.pid;\n"
        f"error_log {prefix}/error.log;\nevents {{ worker_connections 512; }}\n"
        f"http {{\n    include /etc/nginx/mime.types;\n    access_log off;\n{temp}{server}\n}}\n"
    )
    command = ["nginx", "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
    proc = stack.start("nginx", [*command, "-g", "daemon off;"])
    wait_http(port, "/", proc=proc)
    return port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--jobs", type=int, default=2, help="export processes")
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--profile", type=int, metavar="N", help="where an export's time goes")
    parser.add_argument("--measure", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        what, out, *rest = args.measure
        if what == "export":
            print(json.dumps(measure_export(Path(out), int(rest[0]))))
        elif what == "profile":
            print(json.dumps(measure_profile(Path(out))))
        else:
            print(json.dumps(measure_update(Path(out), int(rest[0]))))
        return
    if args.profile:
        profile_main(args.profile, args.no_write)
        return

    exports = {}
    with Stack() as stack:
        load_before = load()
        for size in sorted(args.sizes):
            scratch = stack.tmp / f"data-{size}"
            scratch_archive(archive(size), scratch)
            out = stack.tmp / f"mirror-{size}"
            print(f"Exporting {size:,} stories with {args.jobs} process(es) ...", flush=True)
            exports[size] = in_process(scratch, "export", str(out), str(args.jobs))
            print(json.dumps(exports[size]), flush=True)
        print(f"Updating after {args.edits} edits and a publish ...", flush=True)
        update = in_process(scratch, "update", str(out), str(args.edits))
        print(json.dumps(update), flush=True)

        page = next((out / "news").glob("*/*/index.html"))
        path = "/" + page.parent.relative_to(out).as_posix() + "/"
        size = page.stat().st_size
        (out / "bench-same-size.html").write_bytes(b"x" * size)
        port = nginx_mirror(stack, out)
        targets = {
            "mirror's story page": path,
            "the same page by its file name": path + "index.html",
            "static file, same size": "/bench-same-size.html",
        }
        for url in targets.values():  # warm-up
            wrk(f"http://127.0.0.1:{port}{url}", seconds=1, connections=args.connections)
        runs = {name: [] for name in targets}
        for n in range(args.rounds):
            order = list(targets.items()) if n % 2 == 0 else list(reversed(targets.items()))
            for name, url in order:
                result = wrk(
                    f"http://127.0.0.1:{port}{url}",
                    seconds=args.seconds,
                    connections=args.connections,
                )
                assert result["errors"] == 0 and result["non2xx"] == 0, result
                runs[name].append(result)
        load_after = load()

    served = {
        name: {
            "rps": statistics.median(r["rps"] for r in results),
            "p50": statistics.median(r["p50"] for r in results),
            "p99": statistics.median(r["p99"] for r in results),
            "bytes": statistics.median(r["bytes_per_response"] for r in results),
        }
        for name, results in runs.items()
    }
    ratio = served["mirror's story page"]["rps"] / served["static file, same size"]["rps"]
    by_name = (
        served["the same page by its file name"]["rps"] / served["static file, same size"]["rps"]
    )
    edits = [e["seconds"] for e in update["edits"]]
    lines = [
        "## Static mirror (bench/mirror.py)",
        "",
        f"Measured {today()} on {machine()}; load average {load_before} before, {load_after} "
        f"after (other work was running on the machine). Command: `{COMMAND}`.",
        "",
        f"**Export** with {args.jobs} rendering process(es) (bench/_archive.py's synthetic "
        "archive, NEWSDESK_PAGE_SIZE 20). Memory: peak resident set (getrusage) of the process "
        "that reads the site and writes the index, and of the largest rendering process; in "
        "brackets the peak of their own memory (RssAnon, sampled every 0.5 s), without the "
        "pages of the SQLite database that each maps (`mmap_size` 256 MB, shared page cache):",
        "",
        "| stories | wall | CPU | files | folder | index | writer | largest renderer |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {size:,} | {e['seconds'] / 60:.1f} min | {e['cpu'] / 60:.1f} min | "
            f"{e['written']:,} | {e['folder_mb']:,.0f} MB | {e['index_mb']:,.0f} MB | "
            f"{e['rss_mb']:.0f} MB ({e['anon_mb']:.0f}) | "
            f"{e['worker_rss_mb']:.0f} MB ({e['worker_anon_mb']:.0f}) |"
            for size, e in sorted(exports.items())
        ),
        "",
        "Stories are read and rendered in batches of 2,000; nothing is kept per story.",
        "",
        f"**Update after one edit** (a headline changed; the mirror given the keys the purge "
        f"names), {len(edits)} stories spread over the archive: median "
        f"**{statistics.median(edits) * 1000:.0f} ms**, slowest {max(edits) * 1000:.0f} ms "
        f"(target: under 2 s), rewriting a median of "
        f"{statistics.median(e['written'] for e in update['edits']):.0f} files. A new story "
        f"published into a section with three keywords: {update['publish']['seconds'] * 1000:.0f} "
        f"ms, {update['publish']['written']} files written.",
        "",
        f"**nginx** (the documented server block, 1 worker) serving the mirror on loopback, wrk "
        f"1 thread, {args.connections} connections, {args.rounds} rounds of {args.seconds} s, "
        "medians:",
        "",
        "| address | requests/s | p50 ms | p99 ms | bytes/response |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, figures in served.items():
        lines.append(
            f"| {name} | {figures['rps']:,.0f} | {figures['p50']:.2f} | {figures['p99']:.2f} | "
            f"{figures['bytes']:,.0f} |"
        )
    lines += [
        "",
        f"The mirror's page is served at **{ratio:.0%}** of the static file's requests/s, and "
        f"at {by_name:.0%} asked for by its file name: a page's address ends in `/`, which "
        "nginx answers with the folder's index.html (an internal redirect); the rest is the "
        "same work.",
    ]
    if any(e["missing"] for e in exports.values()):
        lines += ["", f"Missing assets: {exports}"]
    markdown = "\n".join(lines)
    print(markdown)
    if not args.no_write:
        write_section("mirror", markdown)


if __name__ == "__main__":
    main()
