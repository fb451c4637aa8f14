"""Main-text extraction of HTML article pages: word-level F1 against hand-made ground truth.

    .venv/bin/python bench/extraction.py            # 24 pages, F1 and pages per second
    .venv/bin/python bench/extraction.py --dump DIR # also write the pages, to look at them

The pages: the 24 stories of bench/data/stories.json (written for the project), each set in one
of 12 page layouts of the kinds news sites use (HTML5 sections, div soup, an old table layout,
a blog theme, an AMP-style page, microdata, text in <div>s with <br>, ...), each layout with
its own furniture: navigation, breadcrumbs, cookie banners, share buttons, advertisements and
newsletter boxes between paragraphs, related and most-read lists, tag lists, reader comments
(long ones), and footers. The ground truth of a page is its story's paragraphs and
sub-headings, written by hand in stories.json; the headline is not part of it (parse_html
returns it apart).

Extraction is newsdesk.ingest.parsers.html.parse_html (trafilatura), as wire ingest and
import-page use it. F1 compares the multiset of lower-cased words of the extracted body with
the ground truth's. Results: BENCHMARKS.md, section "extraction".
"""

from __future__ import annotations

import argparse
import html
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import ROOT, machine, today, write_section  # noqa: E402
from _wire_corpus import STORIES  # noqa: E402

sys.path.insert(0, str(ROOT))

E = html.escape
NAV = [
    "Home",
    "World",
    "Business",
    "Politics",
    "Science",
    "Sport",
    "Culture",
    "Opinion",
    "Weather",
    "Video",
]
MOST_READ = [
    "Ten things to know before the long weekend",
    "Council approves plan for new cycle lanes in the old town",
    "Why the price of coffee keeps rising, explained",
    "Opinion: the quiet crisis in rural bus services",
    "Photos: the week in pictures",
]
COMMENTS = [
    (
        "riverwatcher",
        "I live two streets from the embankment and nobody knocked on our door until "
        "the water was already in the garden. The council needs to explain why the warning came so "
        "late when the forecast was clear days ago. We lost the car and most of the ground floor.",
    ),
    (
        "J. Patel",
        "Good reporting as always, but the article does not say who is paying for all "
        "this. Every year we hear the same promises and every year the same streets flood again.",
    ),
    (
        "old_sailor",
        "Does anyone know if the ferry to the islands is running tomorrow? The company "
        "website has not been updated since Friday and the phone line just rings.",
    ),
    (
        "Marta K.",
        "My thoughts are with everyone affected. Volunteers are collecting blankets and "
        "food at the community centre on Mill Road from nine in the morning if anyone can help.",
    ),
]


def _paragraphs(story, *, p="p", h="h2"):
    out = []
    for para in story["paragraphs"]:
        if para.startswith("## "):
            out.append(f"<{h}>{E(para[3:])}</{h}>")
        else:
            out.append(f"<{p}>{E(para)}</{p}>")
    return out


def _ad(rng):
    return rng.choice(
        [
            '<div class="ad-slot"><span class="ad-label">Advertisement</span>'
            '<div class="ad" data-slot="mpu"><a href="/ads/1">Save 20% on home insurance today</a>'
            "</div></div>",
            '<aside class="promo"><p>Get the morning briefing in your inbox. '
            '<a href="/newsletter">Sign up</a></p></aside>',
            '<div class="advert"><iframe src="about:blank" title="advertisement"></iframe>'
            "<p>Sponsored: Discover the coast this summer</p></div>",
        ]
    )


def _with_ads(blocks, rng, every=2):
    out = []
    for i, block in enumerate(blocks):
        out.append(block)
        if i % every == every - 1 and i < len(blocks) - 1:
            out.append(_ad(rng))
    return out


def _nav(cls="site-nav"):
    return (
        f'<nav class="{cls}"><ul>'
        + "".join(f'<li><a href="/{n.lower()}/">{n}</a></li>' for n in NAV)
        + "</ul></nav>"
    )


def _related(title="Related stories"):
    return (
        f'<aside class="related"><h3>{title}</h3><ul>'
        + "".join(f'<li><a href="/news/{i}">{E(t)}</a></li>' for i, t in enumerate(MOST_READ))
        + "</ul></aside>"
    )


def _comments(n=4):
    return (
        (f'<section id="comments" class="comments"><h3>Comments ({n})</h3><ol>')
        + "".join(
            f'<li class="comment"><div class="comment-author">{E(a)}</div>'
            f'<div class="comment-body"><p>{E(t)}</p></div><a class="reply" href="#">Reply</a></li>'
            for a, t in COMMENTS[:n]
        )
        + "</ol>"
        + (
            '<form class="comment-form"><label>Name<input name="name"></label>'
            '<label>Comment<textarea name="c"></textarea></label><button>Post comment</button>'
            "</form></section>"
        )
    )


# What makes real pages weigh 50-150 KB: inline scripts and styles, structured data, and a
# footer that links every section of the site.
_SCRIPT = (
    "<script>"
    + "".join(
        f"window.__cfg_{i}={{slot:'ad-{i}',sizes:[[300,250],[728,90]],targeting:{{s:'news',p:{i}}}}};"
        for i in range(400)
    )
    + "</script>"
)
_STYLE = (
    "<style>"
    + "".join(
        f".c{i}{{margin:{i % 7}px;padding:{i % 5}px;color:#{i % 10}{i % 10}{i % 10}}}"
        for i in range(900)
    )
    + "</style>"
)
_SITEMAP = (
    '<div class="footer-sitemap">'
    + "".join(
        f'<div class="col"><h4>{n}</h4><ul>'
        + "".join(f'<li><a href="/{n.lower()}/{j}">{n} topic {j}</a></li>' for j in range(12))
        + "</ul></div>"
        for n in NAV
    )
    + "</div>"
)


def _footer():
    return (
        _SITEMAP + '<footer class="site-footer"><p>&copy; 2021 The Larkford Courier. '
        "All rights reserved."
        '</p><ul><li><a href="/about">About us</a></li><li><a href="/contact">Contact</a></li>'
        '<li><a href="/privacy">Privacy policy</a></li><li><a href="/terms">Terms of use</a>'
        "</li></ul><p>Registered office: 4 Quay Street, Larkford.</p></footer>"
    )


def _share():
    return (
        '<div class="share"><a href="#">Share on Facebook</a> <a href="#">Tweet</a> '
        '<a href="#">Email this story</a> <a href="#">Print</a></div>'
    )


def _head(story, extra=""):
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>'
        f"{E(story['title'])} | The Larkford Courier</title>"
        f'<meta property="og:title" content="{E(story["title"])}">'
        '<meta property="article:published_time" content="2021-04-14T01:40:00Z">'
        f'<link rel="canonical" href="https://courier.example/news/{story["id"]}">'
        f'<script type="application/ld+json">{{"@type":"NewsArticle","headline":'
        f'"{E(story["title"])}","datePublished":"2021-04-14T01:40:00Z"}}</script>'
        f"{_STYLE}{_SCRIPT}<script>window.dataLayer=[];</script>{extra}</head>"
    )


# --- layouts -------------------------------------------------------------------------------


def html5(story, rng):
    return (
        _head(story)
        + "<body><header><a class='logo' href='/'>The Larkford Courier</a>"
        + _nav()
        + "</header><main><article><h1>"
        + E(story["title"])
        + "</h1>"
        "<p class='byline'>By Staff Reporter &middot; <time datetime='2021-04-14'>"
        "April 14, 2021</time></p>"
        + _share()
        + "".join(_paragraphs(story))
        + "</article>"
        + _related()
        + "</main>"
        + _footer()
        + "</body></html>"
    )


def div_soup(story, rng):
    return (
        _head(story)
        + "<body><div id='wrapper'><div class='top-bar'>"
        + _nav("menu")
        + "</div><div class='cookie-banner'>We use cookies to improve your experience. "
        "<button>Accept all</button></div><div class='container'><div class='col-main'>"
        "<div class='breadcrumbs'><a href='/'>Home</a> &gt; <a href='/world/'>World</a></div>"
        "<h1 class='headline'>"
        + E(story["title"])
        + "</h1><div class='story-body'>"
        + "".join(_with_ads(_paragraphs(story), rng))
        + "</div><div class='tags'>Tags: "
        "<a href='/t/1'>weather</a>, <a href='/t/2'>emergency</a></div></div>"
        "<div class='col-side'>"
        + _related("Most read")
        + _ad(rng)
        + "</div></div>"
        + _footer()
        + "</div></body></html>"
    )


def table_layout(story, rng):
    return (
        _head(story)
        + "<body><table width='100%'><tr><td colspan='2'>"
        + _nav()
        + "</td></tr><tr><td width='180' valign='top'><b>Sections</b><br>"
        + "<br>".join(f"<a href='/{n.lower()}'>{n}</a>" for n in NAV)
        + "</td><td valign='top'><h1>"
        + E(story["title"])
        + "</h1><font size='2'>Posted "
        "April 14, 2021</font>"
        + "".join(_paragraphs(story))
        + "<hr>"
        + _related()
        + "</td></tr><tr><td colspan='2'>"
        + _footer()
        + "</td></tr></table></body></html>"
    )


def blog_theme(story, rng):
    return (
        _head(story) + "<body class='single-post'><div id='page'><header id='masthead'>"
        "<p class='site-title'><a href='/'>Courier blog</a></p>"
        + _nav("main-navigation")
        + "</header><div id='content'><div id='primary'><article class='post'>"
        "<header class='entry-header'><h1 class='entry-title'>"
        + E(story["title"])
        + "</h1><div class='entry-meta'>Posted on April 14, 2021 by editor</div></header>"
        "<div class='entry-content'>" + "".join(_paragraphs(story)) + "</div>"
        "<footer class='entry-footer'>Posted in <a href='/c/news'>News</a></footer></article>"
        + _comments()
        + "</div><div id='secondary' class='widget-area'>"
        "<section class='widget'><h2 class='widget-title'>Recent posts</h2><ul>"
        + "".join(f"<li><a href='#'>{E(t)}</a></li>" for t in MOST_READ)
        + "</ul></section></div></div>"
        + _footer()
        + "</div></body></html>"
    )


def amp_style(story, rng):
    return (
        _head(story, "<link rel='amphtml' href='/amp'>")
        + "<body><amp-sidebar id='sidebar'>"
        + _nav()
        + "</amp-sidebar>"
        "<header class='amp-header'>"
        "<a href='/'>Courier</a></header><article class='amp-article'><h1>"
        + E(story["title"])
        + "</h1><amp-img src='/p.jpg' width='600' height='400'></amp-img>"
        "<div class='amp-body'>"
        + "".join(_with_ads(_paragraphs(story), rng, 3))
        + "</div></article><amp-analytics></amp-analytics>"
        + _footer()
        + "</body></html>"
    )


def microdata(story, rng):
    return (
        _head(story) + "<body>" + _nav() + "<div itemscope itemtype='https://schema.org/"
        "NewsArticle'><h1 itemprop='headline'>" + E(story["title"]) + "</h1>"
        "<span itemprop='author'>Agency staff</span><div itemprop='articleBody'>"
        + "".join(_paragraphs(story))
        + "</div></div>"
        + _share()
        + _related("More from World")
        + _footer()
        + "</body></html>"
    )


def br_text(story, rng):
    body = "<br><br>".join(
        (f"<b>{E(p[3:])}</b>" if p.startswith("## ") else E(p)) for p in story["paragraphs"]
    )
    return (
        _head(story)
        + "<body>"
        + _nav()
        + "<div id='article'><h1>"
        + E(story["title"])
        + "</h1><div class='text'>"
        + body
        + "</div></div>"
        + _related()
        + _footer()
        + "</body></html>"
    )


def sections(story, rng):
    paras = _paragraphs(story)
    half = len(paras) // 2
    return (
        _head(story) + "<body><header>" + _nav() + "</header><main id='main'>"
        "<h1>"
        + E(story["title"])
        + "</h1><section class='article-section'><div>"
        + "".join(paras[:half])
        + "</div></section>"
        + _ad(rng)
        + "<section class='article-section'><div>"
        + "".join(paras[half:])
        + "</div></section></main><aside>"
        + _related("Read next")
        + "</aside>"
        + _footer()
        + "</body></html>"
    )


def newsletter_heavy(story, rng):
    return (
        _head(story) + "<body><div class='site'><div class='alert-bar'>Breaking: markets open"
        " lower</div>" + _nav() + "<div class='article'><h1>" + E(story["title"]) + "</h1>"
        "<figure><img src='/photo.jpg' alt=''><figcaption>Photo: agency</figcaption></figure>"
        "<div class='article__body'>"
        + "".join(_with_ads(_paragraphs(story), rng, 1))
        + "</div><div class='paywall-teaser'>Enjoying our journalism? Subscribe from 1 a week."
        "</div></div>" + _comments(2) + _footer() + "</div></body></html>"
    )


def liveblog_shell(story, rng):
    return (
        _head(story) + "<body><div id='app'><noscript>Please enable JavaScript.</noscript>"
        "<header>" + _nav() + "</header><div class='layout'><div class='main-column'>"
        "<h1>" + E(story["title"]) + "</h1><div class='standfirst-meta'>Updated 0140 GMT"
        "</div><div class='rich-text'>"
        + "".join(_paragraphs(story, h="h3"))
        + "</div></div><div class='rail'>"
        + _related("Trending")
        + "</div></div>"
        + _footer()
        + "</div><script>hydrate()</script></body></html>"
    )


def press_release(story, rng):
    return (
        _head(story) + "<body><div class='header'><img src='/logo.png' alt='Logo'>"
        "</div><div class='content'><p class='date'>FOR IMMEDIATE RELEASE</p><h1>"
        + E(story["title"])
        + "</h1>"
        + "".join(_paragraphs(story))
        + "<p class='contact'>Media contact: press@courier.example</p></div>"
        + _footer()
        + "</body></html>"
    )


def comment_heavy(story, rng):
    return (
        _head(story)
        + "<body>"
        + _nav()
        + "<div class='page'><article><h1>"
        + E(story["title"])
        + "</h1><div class='body'>"
        + "".join(_paragraphs(story))
        + "</div></article>"
        + _comments(4)
        + _related("Most read")
        + "</div>"
        + _footer()
        + "</body></html>"
    )


LAYOUTS = [
    html5,
    div_soup,
    table_layout,
    blog_theme,
    amp_style,
    microdata,
    br_text,
    sections,
    newsletter_heavy,
    liveblog_shell,
    press_release,
    comment_heavy,
]


def pages() -> list[tuple[str, str, str, str]]:
    """(name, layout, html, ground truth) for every story, layouts in turn."""
    out = []
    for i, story in enumerate(STORIES):
        layout = LAYOUTS[i % len(LAYOUTS)]
        rng = random.Random(story["id"])
        truth = " ".join(p.removeprefix("## ") for p in story["paragraphs"])
        out.append((story["id"], layout.__name__, layout(story, rng), truth))
    return out


def f1(extracted: str, truth: str) -> tuple[float, float, float]:
    """Word-level (precision, recall, F1): the scorer of the real-page corpus as well."""
    from newsdesk.ingest.tests.devcorpus import scores

    return scores(extracted, truth)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dump", type=Path, help="write the pages into this folder")
    parser.add_argument("--repeat", type=int, default=5, help="timing passes over all pages")
    args = parser.parse_args()
    from newsdesk.ingest.parsers.html import parse_html

    corpus = pages()
    if args.dump:
        args.dump.mkdir(parents=True, exist_ok=True)
        for name, layout, page, _truth in corpus:
            (args.dump / f"{name}.{layout}.html").write_text(page)
    rows, scores = [], []
    for name, layout, page, truth in corpus:
        parsed = parse_html(page.encode())
        extracted = " ".join(block.text for block in parsed.blocks)
        p, r, f = f1(extracted, truth)
        scores.append((p, r, f))
        title = next(s["title"] for s in STORIES if s["id"] == name)
        rows.append(
            f"| {name} | {layout} | {p:.3f} | {r:.3f} | {f:.3f} | "
            f"{'yes' if parsed.headline == title else 'no'} |"
        )
    data = [page.encode() for _n, _l, page, _t in corpus]
    timings, cpu = [], []
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        for page in data:
            parse_html(page)
        timings.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    per_pass = statistics.median(timings)
    per_pass_cpu = statistics.median(cpu)
    mean_f1 = statistics.mean(s[2] for s in scores)
    micro_p = statistics.mean(s[0] for s in scores)
    micro_r = statistics.mean(s[1] for s in scores)
    sizes = statistics.mean(len(d) for d in data) / 1024
    table = "\n".join(rows)
    summary = (
        f"**Mean word-level F1 {mean_f1:.3f}** (precision {micro_p:.3f}, recall "
        f"{micro_r:.3f}) over {len(corpus)} pages in {len(LAYOUTS)} layouts; lowest "
        f"{min(s[2] for s in scores):.3f}. Throughput: **{len(data) / per_pass_cpu:.0f} "
        f"pages per CPU-second** on one core ({len(data) / per_pass:.0f} pages/s wall "
        f"time on the shared machine; median of {args.repeat} passes; pages of "
        f"{sizes:.1f} KB on average; parse_html in-process)."
    )
    print(table)
    print(summary)
    write_section(
        "extraction",
        f"""
## Main-text extraction (bench/extraction.py)

`.venv/bin/python bench/extraction.py` — {today()}; {machine()}; load average while
measuring {os.getloadavg()[0]:.1f} (other work shared the machine: throughput is a floor).

{summary}

| page | layout | precision | recall | F1 | headline found |
|---|---|---|---|---|---|
{table}
""",
    )


if __name__ == "__main__":
    main()
