"""Through Varnish with the shipped VCL: our pages as hits, beside a static file of the same size.

    .venv/bin/python bench/edge_throughput.py                  # writes BENCHMARKS.md
    .venv/bin/python bench/edge_throughput.py --seconds 3 --rounds 1 --no-write

One varnishd (7.x, xkey) runs deploy/varnish/newsdesk.vcl as shipped, started with the command
line docs/operations.md gives, its backend pointed at `newsdesk serve --no-worker` over the
synthetic archive (bench/_archive.py, --articles, 1,000 by default). Ahead of the shipped
vcl_recv, two lines send `/bench-static/...` to a second backend instead: nginx serving two
files of exactly the size of our article and home pages, with our Cache-Control and a
Surrogate-Key, so both kinds of object go through the same VCL, the same storage and the same
delivery. After a warm-up (each address answered `X-Cache: HIT`), wrk (1 thread,
--connections, keep-alive) asks Varnish for each address --seconds at a time, in --rounds
rounds in alternating order. varnishstat checks that no request missed and none reached a
backend.

Reported: requests/s, latency p50/p99 (medians over rounds), Varnish's CPU per request (its
processes' utime + stime), bytes per response, and our pages as a share of the static file's
requests/s (target: at least 80 %). varnishd and wrk share the two cores as the scheduler
places them, at nice -10 (ahead of other work on the machine); --pin puts varnishd on CPU 0
and wrk on CPU 1 (slower and noisier on this VM). The origin and nginx get no requests while
measuring.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _archive import archive  # noqa: E402
from _report import machine, today, write_section  # noqa: E402
from _stack import ROOT, Stack, get, group_cpu, load, scratch_archive, varnishstat, wrk  # noqa: E402

STATIC_VCL = """
backend bench_static {{
    .host = "127.0.0.1";
    .port = "{port}";
}}

sub vcl_recv {{
    if (req.url ~ "^/bench-static/") {{
        set req.backend_hint = bench_static;
    }}
}}
"""


COMMAND = " ".join([".venv/bin/python", f"bench/{Path(__file__).name}", *sys.argv[1:]])
ROUNDS = 8  # short runs, many of them: the machine's load drifts less within a round


def hit(port: int, path: str, limit: int = 20) -> dict:
    """Ask Varnish for `path` until it answers from its cache; that answer's headers."""
    for _ in range(limit):
        status, headers, body = get(port, path)
        if status != 200:
            raise SystemExit(f"{path} through Varnish: status {status}: {body[:300]!r}")
        if headers.get("x-cache") == "HIT":
            return headers
    raise SystemExit(
        f"{path} is not a hit at the edge after {limit} requests (X-Cache "
        f"{headers.get('x-cache')!r}, Cache-Control {headers.get('cache-control')!r}): "
        "a product bug"
    )


def run(args) -> dict:
    scratch = ROOT / "var" / "bench" / f"{Path(__file__).stem}-{os.getpid()}"
    scratch_archive(archive(args.articles), scratch)
    try:
        return _run(args, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run(args, data_dir: Path) -> dict:
    varnish_cpus, wrk_cpus = ("0", "1") if args.pin else (None, None)
    results: dict = collections.defaultdict(lambda: collections.defaultdict(list))
    with Stack() as stack:
        origin = stack.newsdesk_serve(data_dir, workers=2)
        status, headers, _ = get(origin, "/news/500/")
        pages = {"article": urlsplit(headers["location"]).path, "home": "/"}
        originals = {name: get(origin, path) for name, path in pages.items()}
        files = {f"/bench-static/{name}.html": originals[name][2] for name in pages}
        static_headers = {
            "Cache-Control": originals["article"][1]["cache-control"],
            "Surrogate-Key": "all bench-static",
        }
        nginx = stack.nginx_static(files, headers=static_headers)
        edge, workdir = stack.varnish(
            backend_port=origin, extra_vcl=STATIC_VCL.format(port=nginx), cpus=varnish_cpus
        )
        varnish_pgid = stack.procs[-1][1].pid
        targets = {}
        for name, path in pages.items():
            targets[(name, "newsdesk")] = path
            targets[(name, "static file")] = f"/bench-static/{name}.html"
        delivered = {}
        for key, path in targets.items():
            headers = hit(edge, path)
            delivered[key] = headers
            wrk(f"http://127.0.0.1:{edge}{path}", seconds=1, connections=args.connections)
        sizes = {key: int(h["content-length"]) for key, h in delivered.items()}
        for n in range(args.rounds):
            for page in pages:
                kinds = ["newsdesk", "static file"]
                for kind in kinds if n % 2 == 0 else reversed(kinds):
                    path = targets[(page, kind)]
                    before, cpu = varnishstat(workdir), group_cpu(varnish_pgid)
                    result = wrk(
                        f"http://127.0.0.1:{edge}{path}",
                        seconds=args.seconds,
                        connections=args.connections,
                        cpus=wrk_cpus,
                    )
                    time.sleep(1.5)  # each worker thread adds its counters every few requests
                    after = varnishstat(workdir)
                    result["cpu_us"] = (
                        (group_cpu(varnish_pgid) - cpu) * 1e6 / max(1, result["requests"])
                    )
                    result["hits"] = after["cache_hit"] - before["cache_hit"]
                    result["misses"] = after["cache_miss"] - before["cache_miss"]
                    result["backend"] = after["backend_req"] - before["backend_req"]
                    result["load"] = load()
                    if result["errors"] or result["non2xx"]:
                        raise SystemExit(f"{page} {kind}: errors in {result}")
                    if result["backend"] or result["misses"]:
                        raise SystemExit(
                            f"{page} {kind}: {result['requests']} requests, {result['misses']} "
                            f"misses, {result['backend']} backend requests: not all hits"
                        )
                    results[page][kind].append(result)
                    print(
                        f"round {n + 1} {page:7} {kind:11} {result['rps']:8.0f} req/s "
                        f"p50 {result['p50']:.2f} p99 {result['p99']:.2f} ms "
                        f"varnish cpu {result['cpu_us']:.1f} us/req load {result['load']}",
                        file=sys.stderr,
                    )
    return {"results": results, "sizes": sizes, "load": load()}


def report(data: dict, args) -> str:
    pin = (
        "varnishd pinned to CPU 0 and wrk to CPU 1 (taskset)"
        if args.pin
        else "varnishd and wrk sharing both cores, not pinned, at nice -10"
    )
    lines = [
        "## Through Varnish: our pages vs a static file of the same size (`edge_throughput`)",
        "",
        f"Measured {today()} on {machine()}.",
        f"Command: `{COMMAND}` (varnishd "
        "with deploy/varnish/newsdesk.vcl as shipped, `-s malloc,1g -p http_resp_hdr_len=32k "
        "-p http_resp_size=64k`; origin `newsdesk serve --no-worker` over an archive of "
        f"{args.articles:,} articles, static files from nginx through the same VCL; wrk 1 "
        f"thread, {args.connections} keep-alive connections, {args.seconds} s per run, "
        f"{args.rounds} rounds in alternating order; no miss and no backend request while "
        f"measuring (varnishstat); {pin}). Load average at the end: {data['load']} (other "
        "sessions' work was running on the same machine).",
        "",
        "| page | served | body | response | req/s | p50 ms | p99 ms | Varnish CPU us/req |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    shares = []
    for page, by_kind in data["results"].items():
        medians = {}
        for kind, runs in by_kind.items():
            m = {k: statistics.median([r[k] for r in runs]) for k in ("rps", "p50", "p99")}
            m["cpu_us"] = statistics.median([r["cpu_us"] for r in runs])
            m["response"] = statistics.median([r["bytes_per_response"] for r in runs])
            medians[kind] = m
            lines.append(
                f"| {page} | {kind} | {data['sizes'][(page, kind)]:,} B | "
                f"{m['response']:,.0f} B | {m['rps']:,.0f} | {m['p50']:.2f} | {m['p99']:.2f} | "
                f"{m['cpu_us']:.1f} |"
            )
        ours, static = by_kind["newsdesk"], by_kind["static file"]
        paired = [a["rps"] / b["rps"] for a, b in zip(ours, static, strict=True)]
        share = medians["newsdesk"]["rps"] / medians["static file"]["rps"]
        cpu_share = medians["static file"]["cpu_us"] / medians["newsdesk"]["cpu_us"]
        shares.append((page, share, paired, cpu_share))
    lines += ["", "Our pages as a share of the static file's requests/s (target: at least 80 %):"]
    lines.append("")
    for page, share, paired, cpu_share in shares:
        verdict = "met" if share >= 0.8 else f"missed by {80 - share * 100:.0f} points"
        rounds = ", ".join(f"{p * 100:.0f} %" for p in paired)
        lines.append(
            f"- {page}: **{share * 100:.0f} %** ({verdict}); round by round {rounds}; by "
            f"Varnish CPU per request {cpu_share * 100:.0f} %."
        )
    lines += [
        "",
        "'response' is wrk's bytes per response, headers included: Varnish delivers the "
        "origin's headers (Content-Security-Policy, Cache-Control, ETag...; Surrogate-Key is "
        "removed by the VCL), nginx's are fewer.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=1000, help="Archive size (default 1000).")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=5, help="Length of each wrk run.")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument(
        "--pin", action="store_true", help="Servers on CPU 0, wrk on CPU 1 (taskset)."
    )
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    data = run(args)
    markdown = report(data, args)
    print(markdown)
    if not args.no_write:
        write_section("edge_throughput", markdown)


if __name__ == "__main__":
    main()
