"""What the comment form's proof of work costs a reader's browser and a bot, per comment.

    nice -n 10 .venv/bin/python bench/comment_pow.py   # writes the comment_pow section
    .venv/bin/python bench/comment_pow.py --no-write --normal 10 --flood 2 --js 2

- Reader: the system Chromium (headless, through Playwright) emulating a phone (Pixel 7) runs
  the shipped worker (newsdesk/captcha/static/captcha/pow-worker.js) on challenges issued by
  the site's own code (pow_issue), at the normal and at the flood difficulty, with DevTools' CPU
  throttling at x1, x4 and x6. Since that throttling slows WebCrypto's native PBKDF2 less than
  JavaScript, and reaches a Web Worker only in part, the same search with PBKDF2 in plain
  JavaScript (bench/pow_pure_js.js) is timed too, in a worker and on the page's thread: the
  bound a phone's slowest browser would hit. Each answer is checked by pow_verify, so the times
  are those of accepted work. Nothing leaves the machine: the page and the scripts are served
  to Chromium by Playwright itself (http://localhost, a secure context for WebCrypto).
- Bot: the same challenges solved natively (altcha's solver: OpenSSL's PBKDF2 through
  hashlib, one core), CPU seconds per solve; a bot that reads the Security Key perfectly
  pays this plus the HTTP requests of a post (the client's CPU in bench/comments_load.py).

The solve time of one challenge varies by design: the secret counter is drawn between half the
difficulty and all of it, so every solve costs at least half; reported as median and maximum.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import ROOT, machine, today, write_section  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
WORKER = ROOT / "newsdesk" / "captcha" / "static" / "captcha" / "pow-worker.js"
PURE_JS = ROOT / "bench" / "pow_pure_js.js"
ORIGIN = "http://localhost:9"
PAGE = "<!doctype html><title>pow bench</title><p>pow bench</p><script src='/pure.js'></script>"
PHONE = "Pixel 7"  # Playwright's device: viewport, scale, touch, mobile user agent
RATES = (1, 4, 6)  # DevTools' CPU throttling: none, a mid-range phone (Lighthouse), a slow one
IN_WORKER = """async ([script, challenge]) => {
  const started = performance.now();
  const worker = new Worker(script);
  const answer = await new Promise((resolve) => {
    worker.onmessage = (event) => resolve(event.data);
    worker.postMessage(challenge);
  });
  worker.terminate();
  return {...answer, ms: performance.now() - started};
}"""
ON_PAGE = """(challenge) => {
  const started = performance.now();
  return {...solvePure(challenge), ms: performance.now() - started};
}"""


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("NEWSDESK_DATA_DIR", tempfile.mkdtemp(prefix="newsdesk-pow-"))
    import django

    django.setup()


def serve_script(body: str):
    return lambda route: route.fulfill(body=body, content_type="application/javascript")


def browser_times(runs: list[tuple[str, str, int, int, int]]) -> dict:
    """Per (name, solver, difficulty, rate, count) of `runs`: seconds per accepted solve, and
    milliseconds per attempt, in Chromium emulating a phone with its CPU slowed `rate` times.
    Solvers: "shipped" (the site's worker, WebCrypto), "js-worker" (bench/pow_pure_js.js in a
    worker) and "js-page" (the same on the page's own thread)."""
    from playwright.sync_api import sync_playwright

    from newsdesk.captcha.pow import pow_issue, pow_verify

    results: dict = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(**playwright.devices[PHONE])
        page = context.new_page()
        for path, file in (("/pow-worker.js", WORKER), ("/pure.js", PURE_JS)):
            page.route(f"{ORIGIN}{path}", serve_script(file.read_text()))
        page.route(f"{ORIGIN}/", lambda route: route.fulfill(body=PAGE, content_type="text/html"))
        page.goto(f"{ORIGIN}/")
        session = context.new_cdp_session(page)
        for name, solver, difficulty, rate, count in runs:
            session.send("Emulation.setCPUThrottlingRate", {"rate": rate})
            seconds, per_attempt = [], []
            for _ in range(count):
                challenge = pow_issue(difficulty=difficulty)
                if solver == "js-page":
                    result = page.evaluate(ON_PAGE, challenge)
                else:
                    script = "/pow-worker.js" if solver == "shipped" else "/pure.js"
                    result = page.evaluate(IN_WORKER, [script, challenge])
                if not result.get("payload"):
                    raise SystemExit(f"the {solver} solver failed: {result.get('error')}")
                pow_verify(result["payload"])  # accepted work only
                seconds.append(result["ms"] / 1000)
                per_attempt.append(result["ms"] / (result["counter"] + 1))
            results[name] = {
                **summary(seconds),
                "ms_per_attempt": round(statistics.median(per_attempt), 4),
            }
            print(name, results[name], flush=True)
        session.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        browser.close()
    return results


def native_cpu(difficulty: int, count: int) -> list[float]:
    """CPU seconds per accepted solve for a bot at native speed (one core)."""
    from newsdesk.captcha.pow import pow_issue, pow_solve, pow_verify

    times = []
    for _ in range(count):
        challenge = pow_issue(difficulty=difficulty)
        started = time.process_time()
        payload = pow_solve(challenge)
        times.append(time.process_time() - started)
        pow_verify(payload)
    return times


def summary(values: list[float]) -> dict:
    return {
        "n": len(values),
        "median_s": round(statistics.median(values), 3),
        "mean_s": round(statistics.fmean(values), 3),
        "max_s": round(max(values), 3),
    }


def run(normal_count: int, flood_count: int, js_count: int) -> dict:
    setup_django()
    from django.conf import settings

    difficulty = {
        "normal": settings.NEWSDESK_POW_DIFFICULTY,
        "flood": settings.NEWSDESK_POW_FLOOD_DIFFICULTY,
    }
    runs = [
        (f"{level} shipped x{rate}", "shipped", difficulty[level], rate, count)
        for level, count in (("normal", normal_count), ("flood", flood_count))
        for rate in RATES
    ]
    # Plain JavaScript at the normal difficulty only: at the flood difficulty one solve would
    # take many minutes; its time there is its cost per attempt times the attempts.
    runs += [
        (f"normal {solver} x{rate}", solver, difficulty["normal"], rate, js_count)
        for solver in ("js-worker", "js-page")
        for rate in RATES
    ]
    result = {
        "cost": settings.NEWSDESK_POW_COST,
        "difficulty": difficulty,
        "load_before": os.getloadavg(),
        "bot": {
            level: summary(native_cpu(difficulty[level], max(count, 3)))
            for level, count in (("normal", normal_count), ("flood", flood_count))
        },
        "browser": browser_times(runs),
    }
    result["load_after"] = os.getloadavg()
    return result


def report(r: dict) -> str:
    b, bot, d = r["browser"], r["bot"], r["difficulty"]

    def cell(m: dict) -> str:
        return f"{m['median_s']} s (max {m['max_s']})"

    def js(level: str, solver: str, rate: int) -> str:
        m = b[f"normal {solver} x{rate}"]
        if level == "normal":
            return cell(m)
        return f"~{m['ms_per_attempt'] * 0.75 * d['flood'] / 1000:.0f} s (reckoned)"

    rows = []
    for level in ("normal", "flood"):
        for rate in RATES:
            rows.append(
                f"| {level} ({d[level]:,}) | x{rate} | {cell(b[f'{level} shipped x{rate}'])} | "
                f"{js(level, 'js-worker', rate)} | {js(level, 'js-page', rate)} |"
            )
    per_attempt = " / ".join(
        f"{b[f'normal {s} x{rate}']['ms_per_attempt']}"
        for s in ("shipped", "js-worker", "js-page")
        for rate in RATES
    )
    n = b["normal shipped x1"]["n"], b["flood shipped x1"]["n"], b["normal js-worker x1"]["n"]

    def ratio(solver: str) -> float:
        slow, fast = b[f"normal {solver} x6"], b[f"normal {solver} x1"]
        return slow["ms_per_attempt"] / fast["ms_per_attempt"]

    return f"""## Proof of work: a reader's browser and a bot (`comment_pow`)

ALTCHA v2 challenges (PBKDF2-SHA256, {r["cost"]} iterations per attempt; the secret counter
between half the difficulty and all of it, so a solve costs 3/4 of the difficulty on average)
issued by the site's code. Every answer below was verified by the server's check (pow_verify).

Reader: the system Chromium (headless, Playwright) emulating a phone ({PHONE}: viewport,
touch, mobile user agent) with DevTools' CPU throttling at x1, x4 (Lighthouse's mid-range
phone) and x6, wall time from the challenge to the payload (median, and the maximum):

- shipped: the site's Web Worker (WebCrypto's PBKDF2), {n[0]} solves at normal and {n[1]} at
  flood difficulty per rate;
- plain JS, worker / page: the same search with PBKDF2 written in JavaScript
  (bench/pow_pure_js.js), {n[2]} solves per rate, in a Web Worker as the site runs it and on
  the page's own thread. At flood difficulty it is reckoned, not run: median milliseconds per
  attempt at normal difficulty x 3/4 x {d["flood"]:,}.

| level (difficulty) | CPU throttling | shipped worker | plain JS, worker | plain JS, page |
|---|---:|---:|---:|---:|
{chr(10).join(rows)}

Milliseconds per attempt at normal difficulty, shipped x1/x4/x6, plain JS worker x1/x4/x6,
plain JS page x1/x4/x6: {per_attempt}.

Throttling x6 slowed an attempt of plain JS on the page {ratio("js-page"):.1f}x, of plain JS
in a worker {ratio("js-worker"):.1f}x and of the shipped worker {ratio("shipped"):.1f}x: DevTools'
throttling is made for the page's thread, reaches a Web Worker only in part, and slows
WebCrypto's native PBKDF2 less still. So the shipped column is what this machine's Chromium
takes with a phone's screen and a slowed renderer, not a phone's time. Two bounds instead:

- plain JS on the page at x6 ({b["normal js-page x6"]["median_s"]} s, max
  {b["normal js-page x6"]["max_s"]} s at normal difficulty): a phone six times slower than
  this core whose browser computed PBKDF2 no faster than its JavaScript (no current phone
  browser lacks WebCrypto's native PBKDF2, so this is the slow end);
- native PBKDF2 on a core six times slower than this one: the bot's CPU time below x 6,
  {6 * bot["normal"]["mean_s"]:.2f} s at normal and {6 * bot["flood"]["mean_s"]:.0f} s at
  flood difficulty (reckoned, not run).

Against issue 13's "well under a second on a phone" at normal difficulty: the throttled
shipped worker ({b["normal shipped x6"]["median_s"]} s at x6) and the native reckoning are
under a second; the plain-JS bound is not. The work starts when the reader starts to write,
so even the bound is spent while the comment is written. None of this was run on a phone.

Bot: the same challenges solved natively (altcha's solver: OpenSSL's PBKDF2 through hashlib,
one core), CPU-seconds per accepted solve: normal {bot["normal"]["mean_s"]} s (median
{bot["normal"]["median_s"]}, n={bot["normal"]["n"]}), flood {bot["flood"]["mean_s"]} s (median
{bot["flood"]["median_s"]}, n={bot["flood"]["n"]}). A bot that reads the Security Key perfectly
pays this per accepted post, plus the HTTP requests of one post (about 1.3 ms of client CPU,
`comments_load`). Flood difficulty applies to one address over NEWSDESK_POW_FLOOD_RATE_IP or
to all over NEWSDESK_POW_FLOOD_RATE_SITE; the reader's browser works while the reader writes.
Without JavaScript there is no work, but at most NEWSDESK_COMMENTS_RATE_NOJS_IP comments an
address and NEWSDESK_COMMENTS_RATE_NOJS_SITE site-wide.

Machine: {machine()}, shared with other engineers' test runs (load average before
{[round(x, 1) for x in r["load_before"]]}, after {[round(x, 1) for x in r["load_after"]]}):
wall times in Chromium are upper bounds; the bot's figure is its own CPU time. Date: {today()}.
Command: `nice -n 10 .venv/bin/python bench/comment_pow.py`.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--normal", type=int, default=20, help="solves at the normal difficulty")
    parser.add_argument("--flood", type=int, default=3, help="solves at the flood difficulty")
    parser.add_argument("--js", type=int, default=5, help="plain-JavaScript solves per rate")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    result = run(args.normal, args.flood, args.js)
    print(json.dumps(result, indent=2))
    if not args.no_write:
        write_section("comment_pow", report(result))
        print(f"Wrote the comment_pow section of {ROOT / 'BENCHMARKS.md'}")


if __name__ == "__main__":
    main()
