"""The reader's pages in a real Chromium: nothing is wider than the viewport at any of five
widths (long words, long addresses, wide pictures, tables and embeds included), axe-core finds
nothing to fix in light or dark mode, the print style keeps the story and drops the rest, and
every page works without JavaScript. The same pages on a Persian site (right to left, with a
Persian story beside the English ones) are checked at a phone's and a desktop's widths, and by
axe. Screenshots of each page at each width are kept under <tmp>/newsdesk-artifacts/layout/ to
look at (CI keeps them as artifacts)."""

from __future__ import annotations

import io
import re
import tempfile
import time
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from PIL import Image as PILImage
from PIL import ImageDraw

from newsdesk.articles.models import Article, Author, Keyword, Section
from newsdesk.site.demo import demo_load
from newsdesk.site.demo_pictures import picture_create

# Each test runs in a transaction of its own (rolled back); the module's site is committed before.
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

WIDTHS = (320, 390, 768, 1280, 1920)
# Right to left: the narrowest phone and a desktop (the layout is the same code, mirrored).
RTL_WIDTHS = (320, 1280)
ARTIFACTS = Path(tempfile.gettempdir()) / "newsdesk-artifacts" / "layout"
LONG_WORD = "Donaudampfschifffahrtselektrizitaetenhauptbetriebswerkbauunterbeamtengesellschaft"
LONG_URL = (
    "https://larkford.example/archive/council/minutes/2024/roads-committee/appendix-b/"
    "mill-lane-footbridge-reconstruction-cost-breakdown-and-flood-modelling-final-v7.pdf"
)


def _panorama() -> bytes:
    """A picture far wider than any phone: 2400 x 500 px."""
    canvas = PILImage.new("RGB", (2400, 500), (40, 86, 120))
    pen = ImageDraw.Draw(canvas)
    for x in range(0, 2400, 120):
        pen.rectangle((x, 200 + (x // 120 % 5) * 30, x + 80, 500), fill=(200, 120, 60))
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _hard_article() -> Article:
    """Everything that can widen a page, in one story."""
    wide = picture_create(name="panorama", data=_panorama(), alt="A very wide test picture")
    columns = "".join(f"<th>Column {n} heading</th>" for n in range(12))
    cells = "".join(f"<td>{n * 1234567}</td>" for n in range(12))
    body = (
        f"<p>{LONG_WORD} {LONG_WORD}</p>"
        f'<p>Read the report at <a href="{LONG_URL}">{LONG_URL}</a> or in print.</p>'
        f'<figure><img src="{wide.fallback_url}" width="2400" height="500" alt="Wide"></figure>'
        f"<table><caption>A table of twelve columns</caption><thead><tr>{columns}</tr></thead>"
        f"<tbody><tr>{cells}</tr><tr>{cells}</tr></tbody></table>"
        '<p><a href="https://www.youtube.com/watch?v=abcdefghijk">A video of the opening</a></p>'
        f"<pre>{'x' * 300}</pre>"
        f"<blockquote><p>{'A long quotation that goes on and on. ' * 12}</p></blockquote>"
    )
    article = Article.objects.create(
        headline=f"Everything wide at once: {LONG_WORD}",
        summary=f"A summary with {LONG_URL} in it.",
        body=body,
        status=Article.Status.PUBLISHED,
        published_at=Article.objects.order_by("-published_at").first().published_at,
        section=Section.objects.get(slug="local"),
        lead_image=wide,
        source_credits="Wend Valley Rivers Trust",
    )
    article.authors.set([Author.objects.get(slug="mara-ellison")])
    article.keywords.set([Keyword.objects.get(slug="wend-river")])
    return article


PERSIAN_WORD = "بین‌المللی‌سازی‌شدگی‌های‌ناتمام‌کارشناسان‌شهرداری‌وندولی"


def _persian_article(translates: Article) -> Article:
    """A Persian translation of the hard story: long words, a long address, Latin names and
    numbers inside Persian sentences, a wide table, all right to left."""
    cells = "".join(f"<td>{n * 7654321}</td>" for n in range(12))
    body = (
        f"<p>{PERSIAN_WORD} {PERSIAN_WORD}</p>"
        f'<p>گزارش را در <a href="{LONG_URL}">{LONG_URL}</a> بخوانید.</p>'
        "<p>Antony Blinken گفت ۲٬۵۰۰ سرباز (2,500 troops) تا September 11 بازمی‌گردند.</p>"
        f"<table><thead><tr>{'<th>ستون</th>' * 12}</tr></thead><tbody><tr>{cells}</tr></tbody>"
        "</table>"
    )
    article = Article.objects.create(
        headline=f"همه‌چیز پهن در یک خبر: {PERSIAN_WORD} و NATO",
        summary=f"خلاصه‌ای با {LONG_URL} در میان آن.",
        body=body,
        language="fa",
        translation_of=translates,
        status=Article.Status.PUBLISHED,
        published_at=translates.published_at,
        section=Section.objects.get(slug="local"),
        source_credits="Reuters, ایرنا",
    )
    article.keywords.set([Keyword.objects.get(slug="wend-river")])
    return article


@pytest.fixture(scope="module")
def pages(django_db_setup, django_db_blocker):
    """The demo site and one story made to overflow, served from a thread for the whole module
    (drawing the demo's pictures takes seconds: once, not per test); the address of each page.
    pytest-django's own live_server would empty the database after every test."""
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        demo_load()
        hard = _hard_article()
        persian = _persian_article(hard)
        demo = Article.objects.get(news_id=1001)
        server = LiveServer("127.0.0.1")
        try:
            yield {
                "home": server.url + "/",
                "article": server.url + hard.get_absolute_url(),
                "demo-article": server.url + demo.get_absolute_url(),
                "section": server.url + "/section/local/",
                "keyword": server.url + "/keyword/wend-river/",
                "author": server.url + "/author/mara-ellison/",
                "search": server.url + "/search/?q=bridge",
                "persian-article": server.url + persian.get_absolute_url(),
            }
        finally:
            server.stop()
            # As a transactional test leaves it: the tests after this module find it empty.
            call_command("flush", interactive=False, verbosity=0)


def _offline(context) -> None:
    # The embed's player is another site: answered here with a blank page, never fetched.
    context.route(
        re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"),
        lambda route: route.fulfill(status=200, content_type="text/html", body="<title>Player"),
    )


def _open(browser, url: str, *, width: int, **options):
    scripts = options.get("java_script_enabled", True)
    context = browser.new_context(viewport={"width": width, "height": 900}, **options)
    _offline(context)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    response = page.goto(url, wait_until="load")
    assert response.status == 200, url
    if scripts:
        # Lazy pictures below the fold count too: load every one before measuring.
        page.evaluate(
            "document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading='eager')"
        )
        _wait_until(page, "[...document.images].every(image => image.complete)")
    return context, page, problems


def _wait_until(page, expression: str, timeout: float = 10.0) -> None:
    # Polled from here: wait_for_function evaluates its string in the page, which the site's
    # Content Security Policy (no 'unsafe-eval') rightly refuses.
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"not true within {timeout} s: {expression}"
        page.wait_for_timeout(50)


# Right to left, what is too wide sticks out on the left: both edges are checked.
OVERFLOW = """() => {
  const root = document.documentElement, limit = root.clientWidth;
  const wide = [...document.body.querySelectorAll('*')]
    .filter(e => !e.closest('.table-scroll'))
    .filter(e => {
      const box = e.getBoundingClientRect();
      return box.right > limit + 0.5 || box.left < -0.5;
    })
    .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''));
  return {scroll: root.scrollWidth, client: limit, wide: wide.slice(0, 5)};
}"""


@pytest.fixture(params=["ltr", "rtl"])
def direction(request, settings):
    """The site in English (left to right), or in Persian (right to left)."""
    if request.param == "rtl":
        settings.LANGUAGE_CODE = "fa"
    return request.param


def test_no_page_is_wider_than_its_viewport_at_any_width(browser, pages, direction):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    failures = []
    for width in WIDTHS if direction == "ltr" else RTL_WIDTHS:
        for name, url in pages.items():
            if name == "persian-article" and width not in RTL_WIDTHS:
                continue  # a right-to-left story on the English site: at the same two widths
            context, page, problems = _open(browser, url, width=width)
            try:
                assert page.evaluate("document.documentElement.dir") == direction, name
                found = page.evaluate(OVERFLOW)
                shot = f"{name}-{width}{'-rtl' if direction == 'rtl' else ''}.png"
                page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
                if found["scroll"] > found["client"] or found["wide"]:
                    failures.append(f"{name} at {width}px {direction}: {found}")
                failures += [f"{name} at {width}px {direction}: {problem}" for problem in problems]
            finally:
                context.close()
    assert failures == []


def test_tables_scroll_inside_their_own_box_and_keyboards_reach_it(browser, pages):
    context, page, _ = _open(browser, pages["article"], width=320)
    try:
        box = page.locator(".table-scroll")
        assert box.get_attribute("tabindex") == "0"
        assert box.evaluate("e => e.scrollWidth > e.clientWidth")  # it scrolls, the page does not
        assert box.evaluate("e => e.getBoundingClientRect().right") <= 320
    finally:
        context.close()


# Light at a phone's and a desktop's width (layout rules: target sizes, landmarks); dark at one;
# the Persian site (right to left) the same way.
@pytest.mark.parametrize(
    ("scheme", "widths", "language"),
    [
        ("light", (390, 1280), "en"),
        ("dark", (390,), "en"),
        ("light", (390, 1280), "fa"),
        ("dark", (390,), "fa"),
    ],
)
def test_axe_finds_no_violations(browser, pages, scheme, widths, language, settings):
    settings.LANGUAGE_CODE = language
    axe = Axe()
    found = {}
    for width in widths:
        for name, url in pages.items():
            context, page, _ = _open(browser, url, width=width, color_scheme=scheme)
            try:
                # The site's language, Persian right to left included, is what axe looked at.
                assert page.evaluate("document.documentElement.lang") == language, name
                results = axe.run(page)
                if results.violations_count:
                    found[f"{name} at {width}px"] = sorted(
                        (v["id"], len(v["nodes"])) for v in results.response["violations"]
                    )
            finally:
                context.close()
    assert found == {}


def test_dark_mode_changes_the_colours(browser, pages):
    colours = {}
    for scheme in ("light", "dark"):
        context, page, _ = _open(browser, pages["home"], width=390, color_scheme=scheme)
        try:
            colours[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
        finally:
            context.close()
    assert colours == {"light": "rgb(255, 255, 255)", "dark": "rgb(18, 18, 18)"}


def test_print_keeps_the_story_its_dateline_and_address_and_drops_navigation_and_forms(
    browser, pages
):
    context, page, _ = _open(browser, pages["demo-article"], width=768)
    try:
        page.emulate_media(media="print")

        def shown(selector: str) -> bool:
            return page.locator(selector).first.evaluate(
                "e => getComputedStyle(e).display !== 'none' && e.getClientRects().length > 0"
            )

        for selector in ("h1", ".dateline", ".byline", ".published", ".news-id", ".body"):
            assert shown(selector), selector
        assert shown(".print-url")
        assert (
            page.locator(".print-url").inner_text().endswith(pages["demo-article"].split("/", 3)[3])
        )
        for selector in (".section-nav", ".site-search", ".comments", ".site-footer", ".skip"):
            assert not shown(selector), selector
        page.pdf(path=str(ARTIFACTS / "article-print.pdf"))
    finally:
        context.close()


def test_every_page_reads_and_links_without_javascript(browser, pages):
    for name, url in pages.items():
        context, page, problems = _open(browser, url, width=390, java_script_enabled=False)
        try:
            assert page.locator("h1").count() == 1, name
            assert page.locator("main a[href]").count() > 0, name
            assert page.evaluate("document.documentElement.scrollWidth <= 390"), name
            assert problems == [], (name, problems)
        finally:
            context.close()
