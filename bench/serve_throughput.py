"""`newsdesk serve` answering from its own page cache, beside a bare WSGI hello-world.

    .venv/bin/python bench/serve_throughput.py                 # writes BENCHMARKS.md
    .venv/bin/python bench/serve_throughput.py --seconds 3 --rounds 1 --no-write
    .venv/bin/python bench/serve_throughput.py --profile /tmp/pyspy/bin/py-spy
      # py-spy kept out of the project's venv: pip install --target /tmp/pyspy py-spy

Two servers run side by side in one run, on loopback: `newsdesk serve --no-worker` over the
synthetic archive (bench/_archive.py, --articles, 1,000 by default: a kept page costs the same
at any archive size), and bench/_hello.py, which runs the same `serve` command (same bind,
gunicorn gthread worker class, --workers, 4 threads, access log) with its application replaced
by one that answers a body of the same size as ours. After a warm-up (every web worker keeps
the page in its own memory on its first request), wrk (1 thread, --connections, keep-alive)
asks each for an article page and for the home page, --seconds each, in --rounds rounds whose
order alternates (so a change in the machine's load falls on both). Every answer from ours is
checked to be a page-cache hit (X-Page-Cache: hit) before and after each run.

Reported per page and server: requests/s, latency p50/p99 (medians over the rounds), the
server's own CPU time per request (its processes' utime + stime from /proc: steadier than
requests/s when other work shares the machine), and ours as a share of hello-world (target:
at least 80 %). wrk and the servers share the machine's two cores as the scheduler places
them, at nice -10 (ahead of other work on the machine); --pin puts the servers on CPU 0 and
wrk on CPU 1 instead, which on this VM is slower and much noisier (a wake-up across vCPUs).

Because requests/s moves with whatever else the machine runs, two steadier figures go with it:
the page cache's hit path timed piece by piece in one process (CPU time, no network: the
answer of PageCache, its parts, and gunicorn's Response handling our headers and
hello-world's), and with --profile PY_SPY, a single-worker run of ours sampled with py-spy
(threads holding the GIL) with the time inside PageCache broken down by line.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _archive import archive, measure_in  # noqa: E402
from _report import machine, today, write_section  # noqa: E402
from _stack import ROOT, Stack, get, group_cpu, load, scratch_archive, wrk  # noqa: E402

COMMAND = " ".join([".venv/bin/python", f"bench/{Path(__file__).name}", *sys.argv[1:]])
ROUNDS = 6  # short runs, many of them: the machine's load drifts less within a round


def article_path(port: int) -> str:
    """The canonical address of an article in the middle of the archive (its short one
    redirects there)."""
    status, headers, _ = get(port, "/news/500/")
    assert status == 301, status
    return urlsplit(headers["location"]).path


HELLO_HEADERS = "hello-world, our headers"
# Added by gunicorn itself to every response, ours and hello-world's alike.
GUNICORN_HEADERS = {"server", "date", "connection"}


def app_headers(port: int, path: str) -> list[tuple[str, str]]:
    """The headers our application answered a page-cache hit for `path` with, in order."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        for _ in range(20):
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            headers = response.getheaders()
            if dict((k.lower(), v) for k, v in headers).get("x-page-cache") == "hit":
                return [(k, v) for k, v in headers if k.lower() not in GUNICORN_HEADERS]
    finally:
        connection.close()
    raise SystemExit(f"{path}: no page-cache hit in 20 requests")


def warm(port: int, path: str, in_a_row: int = 20, limit: int = 300) -> None:
    """Ask on new connections until `in_a_row` answers running are hits: each web worker then
    keeps its copy (wrk's few keep-alive connections may all land on one worker)."""
    hits = 0
    for _ in range(limit):
        hits = hits + 1 if get(port, path)[1].get("x-page-cache") == "hit" else 0
        if hits >= in_a_row:
            return
    raise SystemExit(f"{path}: not {in_a_row} page-cache hits in a row in {limit} requests")


def check_hits(port: int, path: str, n: int = 12) -> None:
    for _ in range(n):
        status, headers, _ = get(port, path)
        if status != 200 or headers.get("x-page-cache") != "hit":
            raise SystemExit(
                f"{path} was not answered from the page cache (status {status}, "
                f"X-Page-Cache {headers.get('x-page-cache')!r}, headers {headers}): a product bug"
            )


def run(args) -> dict:
    scratch = ROOT / "var" / "bench" / f"{Path(__file__).stem}-{os.getpid()}"
    scratch_archive(archive(args.articles), scratch)
    try:
        return _run(args, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run(args, data_dir: Path) -> dict:
    server_cpus, wrk_cpus = ("0", "1") if args.pin else (None, None)
    results: dict[str, dict[str, list[dict]]] = collections.defaultdict(
        lambda: collections.defaultdict(list)
    )
    with Stack() as stack:
        ours = stack.newsdesk_serve(data_dir, workers=args.workers, cpus=server_cpus)
        ours_pgid = stack.procs[-1][1].pid
        pages = {"article": article_path(ours), "home": "/"}
        sizes = {name: len(get(ours, path)[2]) for name, path in pages.items()}
        hello_paths = {"article": "/article", "home": "/home"}
        hello = stack.hello_serve(
            data_dir,
            workers=args.workers,
            bodies={hello_paths[name]: sizes[name] for name in pages},
            cpus=server_cpus,
        )
        hello_pgid = stack.procs[-1][1].pid
        # The third: hello-world answering our very headers, to tell what the page cache's
        # own code costs from what gunicorn spends on more (and longer) headers.
        ours_headers = {hello_paths[name]: app_headers(ours, path) for name, path in pages.items()}
        same = stack.hello_serve(
            data_dir,
            workers=args.workers,
            bodies={hello_paths[name]: sizes[name] for name in pages},
            headers=ours_headers,
            cpus=server_cpus,
            name="hello-headers",
        )
        same_pgid = stack.procs[-1][1].pid
        servers = {
            "newsdesk": (ours, ours_pgid, pages),
            "hello-world": (hello, hello_pgid, hello_paths),
            HELLO_HEADERS: (same, same_pgid, hello_paths),
        }
        for port, _, paths in servers.values():  # warm-up: every worker keeps its copy
            for path in paths.values():
                wrk(
                    f"http://127.0.0.1:{port}{path}",
                    seconds=args.warmup,
                    connections=args.connections,
                    cpus=wrk_cpus,
                )
        for page in pages:
            warm(ours, pages[page])
        for n in range(args.rounds):
            order = list(servers)[n % len(servers) :] + list(servers)[: n % len(servers)]
            order = order if n % 2 == 0 else list(reversed(order))
            for page in pages:
                for name in order:
                    port, pgid, paths = servers[name]
                    cpu = group_cpu(pgid)
                    result = wrk(
                        f"http://127.0.0.1:{port}{paths[page]}",
                        seconds=args.seconds,
                        connections=args.connections,
                        cpus=wrk_cpus,
                    )
                    result["cpu_ms"] = (group_cpu(pgid) - cpu) * 1000 / max(1, result["requests"])
                    result["load"] = load()
                    if result["errors"] or result["non2xx"]:
                        raise SystemExit(f"{name} {page}: errors in {result}")
                    results[page][name].append(result)
                    print(
                        f"round {n + 1} {page:7} {name:11} {result['rps']:7.0f} req/s "
                        f"p50 {result['p50']:.2f} p99 {result['p99']:.2f} ms "
                        f"cpu {result['cpu_ms']:.3f} ms/req load {result['load']}",
                        file=sys.stderr,
                    )
            for page in pages:
                check_hits(ours, pages[page])
        hit_path = measure_in(data_dir, __file__, pages["article"], "--repeats", str(args.repeats))
        profile = None
        if args.profile:
            profile = profile_pagecache(stack, data_dir, pages["article"], args)
    return {
        "results": results,
        "sizes": sizes,
        "profile": profile,
        "hit_path": hit_path,
        "load": load(),
    }


def profile_pagecache(stack: Stack, data_dir: Path, path: str, args) -> dict:
    """py-spy on one web worker of a single-worker `newsdesk serve` while wrk asks for `path`."""
    port = stack.newsdesk_serve(data_dir, workers=1, cpus="0", name="profiled")
    for _ in range(3):
        get(port, path)
    master = stack.procs[-1][1].pid
    worker = subprocess.run(
        ["pgrep", "-P", str(master)], capture_output=True, text=True, check=True
    ).stdout.split()[0]
    out = Path(tempfile.mkdtemp(prefix="newsdesk-spy-")) / "raw.txt"
    seconds = max(5, args.seconds)
    spy = subprocess.Popen(
        [args.profile, "record", "-p", worker, "-d", str(seconds), "-r", "500", "-f", "raw"]
        + ["-o", str(out), "--nonblocking", "--gil"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    wrk(f"http://127.0.0.1:{port}{path}", seconds=seconds, connections=args.connections, cpus="1")
    spy.wait(seconds + 30)
    return summarise_profile(out.read_text())


def summarise_profile(raw: str) -> dict:
    """Shares of the GIL-holding samples: the whole request, PageCache, and PageCache's lines."""
    total = request = inside = 0
    lines: collections.Counter = collections.Counter()
    logging_ = 0
    for row in raw.splitlines():
        stack, _, count = row.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        names = [f.split(" (")[0] for f in frames]
        if "ThreadWorker.handle" in names:
            request += n
        if "Logger.access" in names:
            logging_ += n
        for i, name in enumerate(names):
            if name == "PageCache.__call__":
                inside += n
                here = frames[i].rsplit(":", 1)[-1].rstrip(")")
                callee = names[i + 1] if i + 1 < len(names) else "(its own code)"
                if callee == "PageCache._answer" and i + 2 < len(names):
                    callee += " > " + names[i + 2]
                if callee == "PurgeLog.purged_since" and i + 2 < len(names):
                    callee += " > " + names[i + 2]
                lines[f"line {here}: {callee}"] += n
                break
    return {
        "samples": total,
        "request": request,
        "pagecache": inside,
        "access_log": logging_,
        "lines": lines.most_common(12),
    }


def measure_hit_path(path: str, repeats: int) -> dict:
    """Runs in a process of its own with the archive's settings: microseconds of CPU per call
    of the page cache's hit path and of its parts, beside hello-world's."""
    from io import BytesIO

    import django

    django.setup()
    from django.core.cache import caches
    from gunicorn.config import Config
    from gunicorn.http.wsgi import Response

    from config.wsgi import application
    from newsdesk.core import pagecache

    def environ():
        return {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1:8000",
            "wsgi.url_scheme": "http",
            "wsgi.input": BytesIO(),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
        }

    answered = {}

    def start_response(status, headers, exc_info=None):
        answered["status"], answered["headers"] = status, headers

    for _ in range(2):  # the first renders and keeps the page, the second is a hit
        b"".join(application(environ(), start_response))
    assert ("X-Page-Cache", "hit") in answered["headers"], answered
    hit_headers = answered["headers"]
    cache = caches[pagecache.CACHE_ALIAS]
    key = pagecache._entry_key(environ())
    entry = cache.get(key)
    marks = pagecache.marks()
    body = entry.body
    hello_headers = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(len(body))),
    ]

    def hello(environ, start_response):
        start_response("200 OK", hello_headers)
        return [body]

    page_path = path

    class Request:
        version, method, query = (1, 1), "GET", ""
        uri = path = page_path
        headers, proxy_protocol_info = [], None

        def should_close(self):
            return False

    class Socket:
        def sendall(self, data):
            pass

    config = Config()

    def gunicorn_response(headers):
        response = Response(Request(), Socket(), config)
        response.start_response("200 OK", headers)
        response.write(body)

    parts = {
        "PageCache, a hit, whole": lambda: application(environ(), start_response),
        "hello-world application": lambda: hello(environ(), start_response),
        "  _entry_key (blake2b of the address)": lambda: pagecache._entry_key(environ()),
        f"  cache.get ({type(cache).__name__})": lambda: cache.get(key),
        "  marks().purged_since (a stat of the purge log)": lambda: marks.purged_since(
            entry.keys, entry.mark
        ),
        "  _answer (headers list, Age, Server-Timing)": lambda: pagecache.PageCache._answer(
            None, environ(), start_response, entry, time.time(), time.perf_counter()
        ),
        "  (environ dict built by this loop, in each line above)": environ,
        "gunicorn Response, our headers": lambda: gunicorn_response(hit_headers),
        "gunicorn Response, hello-world's headers": lambda: gunicorn_response(hello_headers),
    }
    timings = {}
    for name, call in parts.items():
        for _ in range(200):
            call()
        started = time.process_time()
        for _ in range(repeats):
            call()
        timings[name] = (time.process_time() - started) / repeats * 1e6
    return {
        "timings": timings,
        "headers": len(hit_headers),
        "header_bytes": sum(len(n) + len(v) + 4 for n, v in hit_headers),
        "log_exists": Path(marks.path).exists() if getattr(marks, "path", None) else None,
    }


def _median(values):
    return statistics.median(values)


def report(data: dict, args) -> str:
    results, sizes = data["results"], data["sizes"]
    pin = (
        "servers pinned to CPU 0 and wrk to CPU 1 (taskset)"
        if args.pin
        else "servers and wrk sharing both cores, not pinned, at nice -10"
    )
    lines = [
        "## `newsdesk serve` from its own page cache vs a WSGI hello-world (`serve_throughput`)",
        "",
        f"Measured {today()} on {machine()}.",
        f"Command: `{COMMAND}` (archive of {args.articles:,} "
        f"articles; --workers {args.workers} gthread web workers x 4 threads each for both, "
        f"same bind and access log; wrk 1 thread, {args.connections} keep-alive connections, "
        f"{args.seconds} s per run after a {args.warmup} s warm-up, {args.rounds} rounds in "
        f"alternating order; {pin}). Load average at the end: {data['load']} (other sessions' "
        "work was running on the same machine).",
        "",
        "| page | server | body | response | req/s | p50 ms | p99 ms | server CPU ms/req |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    shares = []
    for page, by_server in results.items():
        medians = {}
        for name, runs in by_server.items():
            m = {k: _median([r[k] for r in runs]) for k in ("rps", "p50", "p99", "cpu_ms")}
            m["response"] = _median([r["bytes_per_response"] for r in runs])
            medians[name] = m
            lines.append(
                f"| {page} | {name} | {sizes[page]:,} B | {m['response']:,.0f} B | "
                f"{m['rps']:,.0f} | {m['p50']:.2f} | {m['p99']:.2f} | {m['cpu_ms']:.3f} |"
            )
        ours, hello = by_server["newsdesk"], by_server["hello-world"]
        paired = [a["rps"] / b["rps"] for a, b in zip(ours, hello, strict=True)]
        share = medians["newsdesk"]["rps"] / medians["hello-world"]["rps"]
        cpu_share = medians["hello-world"]["cpu_ms"] / medians["newsdesk"]["cpu_ms"]
        cpu = {name: medians[name]["cpu_ms"] for name in medians}
        shares.append((page, share, paired, cpu_share, cpu))
    lines += ["", "Ours as a share of hello-world's requests/s (target: at least 80 %):", ""]
    for page, share, paired, cpu_share, cpu in shares:
        verdict = "met" if share >= 0.8 else f"missed by {80 - share * 100:.0f} points"
        rounds = ", ".join(f"{p * 100:.0f} %" for p in paired)
        headers_us = (cpu[HELLO_HEADERS] - cpu["hello-world"]) * 1000
        own_us = (cpu["newsdesk"] - cpu[HELLO_HEADERS]) * 1000
        lines.append(
            f"- {page}: **{share * 100:.0f} %** ({verdict}); round by round {rounds}; "
            f"by server CPU per request {cpu_share * 100:.0f} %. Of the "
            f"{(cpu['newsdesk'] - cpu['hello-world']) * 1000:.0f} us of server CPU per request "
            f"more than hello-world, {headers_us:.0f} us is gunicorn handling our headers "
            f"(hello-world answering the same headers) and {own_us:.0f} us the page cache's "
            "own code."
        )
    lines += [
        "",
        "Each response from ours is larger than hello-world's by its headers (Cache-Control, "
        "Surrogate-Key, Content-Security-Policy, ETag, Age, X-Page-Cache, Server-Timing: the "
        "'response' column is wrk's bytes per response, headers included). "
        f"'{HELLO_HEADERS}' is hello-world answering exactly those headers and the same body.",
    ]
    hit = data["hit_path"]
    lines += [
        "",
        "### The hit path piece by piece (one process, CPU time per call, no network)",
        "",
        f"An article page kept by PageCache ({hit['headers']} headers, {hit['header_bytes']:,} "
        "bytes of them); the purge log "
        + ("exists" if hit["log_exists"] else "does not exist yet (no purge in this folder)")
        + ". Each line calls only what it names, `--repeats` times.",
        "",
        "| piece | us per call |",
        "| --- | ---: |",
    ]
    for name, micros in hit["timings"].items():
        label = name.strip()
        indent = (len(name) - len(label)) // 2
        lines.append(f"| {'&nbsp;' * 4 * indent}{label} | {micros:.2f} |")
    profile = data.get("profile")
    if profile:
        total = profile["samples"] or 1
        lines += [
            "",
            "### Where the time goes (py-spy, one web worker, samples of the thread holding "
            "the GIL)",
            "",
            f"{profile['samples']:,} samples: handling a request (gunicorn's ThreadWorker.handle) "
            f"{profile['request'] / total * 100:.0f} %, of which PageCache.__call__ "
            f"{profile['pagecache'] / total * 100:.0f} % and gunicorn's access log "
            f"{profile['access_log'] / total * 100:.0f} % (both servers write it). Inside "
            "PageCache (newsdesk/core/pagecache.py), by line:",
            "",
            "| PageCache.__call__ | share of all samples |",
            "| --- | ---: |",
        ]
        for name, n in profile["lines"]:
            lines.append(f"| {name} | {n / total * 100:.1f} % |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=1000, help="Archive size (default 1000).")
    parser.add_argument("--workers", type=int, default=2, help="Web workers, both servers.")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=5, help="Length of each wrk run.")
    parser.add_argument("--warmup", type=int, default=3, help="Seconds of warm-up per page.")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument(
        "--pin", action="store_true", help="Servers on CPU 0, wrk on CPU 1 (taskset)."
    )
    parser.add_argument("--profile", metavar="PY_SPY", help="py-spy executable: profile ours.")
    parser.add_argument("--repeats", type=int, default=20_000, help="Calls per timed piece.")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--measure", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure_hit_path(args.measure, args.repeats)))
        return
    data = run(args)
    markdown = report(data, args)
    print(markdown)
    if not args.no_write:
        write_section("serve_throughput", markdown)


if __name__ == "__main__":
    main()
