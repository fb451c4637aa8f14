"""Lighthouse (mobile), the W3C Nu HTML checker and axe-core against the demo site as served.

    .venv/bin/python bench/quality.py            # about three minutes; writes BENCHMARKS.md
    .venv/bin/python bench/quality.py --nu-only  # the Nu checker alone, printed
    .venv/bin/python bench/quality.py --language fa  # the same on a Persian site (its own section)

A fresh data folder gets `newsdesk setup` (the demo stories, their pictures), `newsdesk serve`
answers on a free loopback port, and each kind of reader page is checked: the home page, an
article with everything a body can hold, an article without a picture, a section, a keyword,
an author and a search. Search results are noindex on purpose: Lighthouse's SEO score for them
is reported but not expected to be 100.

The checkers come from the npm registry, pinned below, installed once into
var/bench/quality-tools (npm); the Nu checker runs on Java (Debian: default-jre-headless).
axe-core is the one bundled with the test dependencies (axe-playwright-python). Chromium is the
system's (/usr/bin/chromium), for Lighthouse and axe alike. Nothing leaves the machine: the
embed's player on the demo article is another site, which the page may ask for and not get.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from _archive import env as site_env
from _report import machine, today, write_section
from _stack import ROOT, Stack, free_port, wait_http

LIGHTHOUSE = "13.5.0"
VNU = "26.9.27"
TOOLS = ROOT / "var" / "bench" / "quality-tools"
CHROMIUM = "/usr/bin/chromium"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
PAGES = {
    "home": "/",
    "article (picture, table, quotation, embed)": "/news/1001/",
    "article (no picture)": "/news/1011/",
    "section": "/section/local/",
    "keyword": "/keyword/wend-river/",
    "author": "/author/mara-ellison/",
    "search results (noindex)": "/search/?q=bridge",
}


def tools() -> Path:
    """The pinned checkers, installed with npm once."""
    marker = TOOLS / f".installed-{LIGHTHOUSE}-{VNU}"
    if not marker.exists():
        if not shutil.which("npm"):
            sys.exit("npm is needed to install Lighthouse and the Nu checker (Debian: npm).")
        TOOLS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix",
             str(TOOLS), f"lighthouse@{LIGHTHOUSE}", f"vnu-jar@{VNU}"],
            check=True, timeout=600,
        )  # fmt: skip
        marker.touch()
    return TOOLS / "node_modules"


def served_site(stack: Stack, language: str) -> str:
    data = stack.tmp / "var"
    port = free_port()
    env = {
        **site_env(data),
        "NEWSDESK_SITE_URL": f"http://127.0.0.1:{port}",
        "NEWSDESK_LANGUAGE": language,
    }
    subprocess.run(
        [sys.executable, "-m", "newsdesk", "setup", "-v", "0"], env=env, cwd=ROOT, check=True
    )
    command = [sys.executable, "-m", "newsdesk", "serve", "--no-worker", "--port", str(port)]
    proc = stack.start("newsdesk", command, env=env)
    wait_http(port, "/", proc=proc)
    return f"http://127.0.0.1:{port}"


def resolve(site: str, path: str) -> str:
    """The address a reader lands on (the short /news/<id>/ redirects to the canonical one)."""
    import urllib.request

    with urllib.request.urlopen(site + path, timeout=30) as response:  # noqa: S310 - loopback
        return response.url


def lighthouse(modules: Path, url: str, out: Path) -> dict:
    """One mobile run: the four scores (0-100) and the audits that cost points. A run whose
    Chromium fails (it happens on a loaded machine) is tried again, twice at most, and said."""
    for attempt in range(3):
        done = subprocess.run(
            [
                "node", str(modules / "lighthouse" / "cli" / "index.js"), url, "--quiet",
                "--output=json", f"--output-path={out}",
                f"--only-categories={','.join(CATEGORIES)}",
                "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
            ],
            env={**os.environ, "CHROME_PATH": CHROMIUM},
            timeout=300, capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode == 0:
            break
        print(f"Lighthouse failed on {url} (attempt {attempt + 1}): {done.stderr[-500:]}")
    else:
        done.check_returncode()
    report = json.loads(out.read_text())
    scores = {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}
    lost = sorted(
        {
            ref["id"]
            for category in report["categories"].values()
            for ref in category["auditRefs"]
            if ref.get("weight")
            and report["audits"][ref["id"]].get("score") is not None
            and report["audits"][ref["id"]]["score"] < 1
        }
    )
    return {"scores": scores, "lost": lost}


def nu_checker(modules: Path, urls: list[str], folder: Path) -> dict[str, dict]:
    """Errors and warnings of the Nu HTML checker for each address. The checker refuses to
    fetch from loopback itself, so it reads the pages as served, saved to files."""
    import urllib.request

    if not shutil.which("java"):
        return {url: {"errors": None, "warnings": None, "messages": ["no java"]} for url in urls}
    files = {}
    for n, url in enumerate(urls):
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback
            path = folder / f"page-{n}.html"
            path.write_bytes(response.read())
            files[path.name] = url
    jar = modules / "vnu-jar" / "build" / "dist" / "vnu.jar"
    done = subprocess.run(
        ["java", "-jar", str(jar), "--format", "json", "--exit-zero-always",
         *(str(folder / f"page-{n}.html") for n in range(len(urls)))],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    found = {url: {"errors": 0, "warnings": 0, "messages": []} for url in urls}
    for message in json.loads(done.stderr)["messages"]:
        entry = found[files[message["url"].rsplit("/", 1)[-1]]]
        kind = "errors" if message["type"] == "error" else "warnings"
        entry[kind] += 1
        entry["messages"].append(f"{message['type']}: {message['message']}")
    return found


def axe(urls: list[str]) -> dict[str, dict[str, int]]:
    """axe-core's violations at a phone's width, in light and in dark mode."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    found: dict[str, dict[str, int]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox"]
        )
        for url in urls:
            found[url] = {}
            for scheme in ("light", "dark"):
                context = browser.new_context(
                    viewport={"width": 390, "height": 844}, color_scheme=scheme
                )
                page = context.new_page()
                page.goto(url, wait_until="load")
                results = Axe().run(page)
                found[url][scheme] = results.violations_count
                context.close()
        browser.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page (median)")
    parser.add_argument("--no-write", action="store_true", help="Print, leave BENCHMARKS.md")
    parser.add_argument(
        "--nu-only",
        action="store_true",
        help="Only the Nu checker, printed (its result does not depend on the machine's load)",
    )
    parser.add_argument(
        "--language",
        default="en",
        help="The site's language (NEWSDESK_LANGUAGE); other than en, its own section",
    )
    args = parser.parse_args()
    modules = tools()
    rows = []
    with Stack() as stack:
        site = served_site(stack, args.language)
        urls = {name: resolve(site, path) for name, path in PAGES.items()}
        nu = nu_checker(modules, list(urls.values()), stack.tmp)
        if args.nu_only:
            for name, url in urls.items():
                print(f"{name}: {nu[url]['errors']} errors ({nu[url]['warnings']} warnings)")
                print("".join(f"  {m}\n" for m in nu[url]["messages"]), end="")
            return
        accessibility = axe(list(urls.values()))
        for name, url in urls.items():
            runs = [lighthouse(modules, url, stack.tmp / f"lh-{n}.json") for n in range(args.runs)]
            scores = {
                category: round(statistics.median(run["scores"][category] for run in runs))
                for category in CATEGORIES
            }
            lost = sorted({audit for run in runs for audit in run["lost"]})
            rows.append((name, scores, lost, nu[url], accessibility[url]))
            print(name, scores, lost, nu[url]["errors"], accessibility[url], flush=True)
    table = [
        "| page | performance | accessibility | best practices | SEO | Nu errors (warnings) "
        "| axe violations (light / dark) | audits below full marks in any run |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, scores, lost, checked, violations in rows:
        table.append(
            f"| {name} | {scores['performance']} | {scores['accessibility']} | "
            f"{scores['best-practices']} | {scores['seo']} | "
            f"{checked['errors']} ({checked['warnings']}) | "
            f"{violations['light']} / {violations['dark']} | {', '.join(lost) or '-'} |"
        )
    messages = sorted({m for *_, checked, _ in rows for m in checked["messages"]})
    english = args.language == "en"
    option = "" if english else f" --language {args.language}"
    markdown = "\n".join(
        [
            "## Reader pages: Lighthouse, Nu HTML checker, axe-core (`quality`)"
            if english
            else f"## Reader pages on a site in `{args.language}`: Lighthouse, Nu, axe-core "
            f"(`quality --language {args.language}`)",
            "",
            f"`.venv/bin/python bench/quality.py{option}` on {today()}; {machine()}; "
            f"load average {' '.join(f'{n:.2f}' for n in os.getloadavg())} at the end.",
            *(
                []
                if english
                else [
                    f"The site's language is `{args.language}` (NEWSDESK_LANGUAGE): its interface, "
                    "digits and direction; the demo stories are in English and say so "
                    "(`lang`, `dir`) inside the site's pages.",
                    "",
                ]
            ),
            f"Lighthouse {LIGHTHOUSE} (mobile: simulated slow 4G and a 4x slower CPU, median of "
            f"{args.runs} runs), Nu checker (vnu-jar) {VNU}, axe-core from axe-playwright-python "
            "at 390 px in light and dark mode, all in the system Chromium, against the demo site "
            "served by `newsdesk serve` on loopback.",
            "",
            *table,
            "",
            "Search results carry `noindex` on purpose: Lighthouse's SEO category counts that "
            "against them (is-crawlable).",
            *([""] + [f"- Nu: {m}" for m in messages] if messages else []),
        ]
    )
    print(markdown)
    if not args.no_write:
        write_section("quality" if english else f"quality-{args.language}", markdown)


if __name__ == "__main__":
    main()
