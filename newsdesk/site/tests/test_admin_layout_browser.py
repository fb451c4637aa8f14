"""The back office in Chromium at 1280 px: every admin list fits its window (the page and the
list's own box: no sideways scrolling), with long headlines, names and addresses in the rows;
the dashboard draws its plots without a script; the revision diff wraps between words.
Screenshots of the dashboard, the diff and any list that does not fit go to
<tmp>/newsdesk-artifacts/admin/ (CI keeps them as artifacts)."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from newsdesk.articles.models import Article, Author, Keyword, Section
from newsdesk.articles.services import article_correct, article_save, revision_create
from newsdesk.comments.models import BlockedTerm, Comment
from newsdesk.core.models import TaskFailure
from newsdesk.ingest.models import Source, Story, WireItem

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

WIDTH = 1280
ARTIFACTS = Path(tempfile.gettempdir()) / "newsdesk-artifacts" / "admin"
LONG = "Harbour council approves the northern breakwater reconstruction plan after a long night"
WORD = "Donaudampfschifffahrtsgesellschaftskapitaen"
URL = "https://wire.example/feeds/" + "regional-politics-and-economy/" * 4 + "rss.xml"
LISTS = [
    "articles/article",
    "articles/articleevent",
    "articles/author",
    "articles/correction",
    "articles/image",
    "articles/keyword",
    "articles/section",
    "comments/ban",
    "comments/blockedterm",
    "comments/comment",
    "comments/comment/queue",
    "comments/commentsettings",
    "core/taskfailure",
    "ingest/source",
    "ingest/story",
    "ingest/wireitem",
    "webhooks/webhookdelivery",
    "webhooks/webhookendpoint",
]


def _newsroom() -> tuple[Article, int]:
    chief = get_user_model().objects.create_superuser(
        "chief-editor-of-the-evening-desk", "chief@example.org", "pw"
    )
    section = Section.objects.create(name="Regional politics and economy", slug="regional")
    author = Author.objects.create(name="Maria-Theresia Oberhausen-Lindqvist", slug="mtol")
    keyword = Keyword.objects.create(name=WORD, slug="long")
    now = timezone.now()
    stories = []
    for n in range(12):
        article = article_save(
            article=Article(
                headline=f"{LONG} ({n}) {WORD}",
                summary=LONG,
                body=f"<p>{LONG}. {WORD}.</p>",
                section=section,
                status=Article.Status.PUBLISHED,
                published_at=now - timedelta(hours=n),
            ),
            by=chief,
        )
        article.authors.set([author])
        article.keywords.set([keyword])
        stories.append(article)
    article_correct(article=stories[0], by=chief, text=f"{LONG}, not the southern one. " * 3)
    source = Source.objects.create(name=f"Regional wire {WORD}", kind="rss", url=URL)
    story = Story.objects.create(title=f"{LONG} {WORD}", latest_at=now)
    for n in range(6):
        WireItem.objects.create(
            source=source,
            story=story,
            guid=f"{URL}#{n}",
            url=f"{URL}?item={n}",
            title=f"{LONG} {n}",
            content_hash=str(n),
            published_at=now,
        )
    for n in range(6):
        Comment.objects.create(
            article=stories[n],
            name=f"Reader with a long name {WORD}",
            body=f"{LONG}. {WORD} {URL}",
            spam_score=0.4,
            spam_reasons=["+0.40 2 link(s)", f"+1.00 blocked term '{WORD}'"],
        )
    BlockedTerm.objects.create(term=WORD, note=LONG)
    TaskFailure.objects.create(
        task_path="newsdesk.articles.tasks.article_effects_run", error=f"{WORD}: {URL}"
    )
    # Two revisions to compare: one word changed in a long paragraph.
    first = stories[1]
    first.body = f"<p>{LONG} on Tuesday, {WORD} said. {LONG}.</p>"
    article_save(article=first, by=chief)
    revision_create(article=first, by=chief)
    first.body = f"<p>{LONG} on Wednesday, {WORD} said. {LONG}.</p>"
    article_save(article=first, by=chief)
    revision_create(article=first, by=chief)
    return first, chief.pk


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker):
    """A newsroom with awkward rows, served from a thread for the whole module; a signed-in
    session for its superuser."""
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        article, chief = _newsroom()
        client = Client()
        client.force_login(get_user_model().objects.get(pk=chief))
        server = LiveServer("127.0.0.1")
        try:
            yield {
                "url": server.url,
                "session": client.cookies["sessionid"].value,
                "article": article,
            }
        finally:
            server.stop()
            call_command("flush", interactive=False, verbosity=0)


def _page(browser, site, **options):
    context = browser.new_context(viewport={"width": WIDTH, "height": 900}, **options)
    host = site["url"].split("//")[1].split(":")[0]
    context.add_cookies(
        [{"name": "sessionid", "value": site["session"], "domain": host, "path": "/"}]
    )
    return context, context.new_page()


FITS = """() => {
  const root = document.documentElement, box = document.querySelector('#changelist .results');
  return {page: [root.scrollWidth, root.clientWidth],
          list: box ? [box.scrollWidth, box.clientWidth] : [0, 0]};
}"""


def test_every_admin_list_fits_1280_px(browser, site):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context, page = _page(browser, site)
    failures = []
    try:
        for name in LISTS:
            response = page.goto(f"{site['url']}/admin/{name}/")
            assert response.status == 200, name
            found = page.evaluate(FITS)
            if found["page"][0] > found["page"][1] or found["list"][0] > found["list"][1]:
                failures.append(f"{name}: {found}")
                page.screenshot(path=str(ARTIFACTS / f"{name.replace('/', '-')}-{WIDTH}.png"))
    finally:
        context.close()
    assert failures == [], "\n".join(failures)


def test_the_dashboard_draws_its_plots_without_javascript(browser, site):
    context, page = _page(browser, site, java_script_enabled=False)
    try:
        page.goto(f"{site['url']}/admin/")
        assert page.locator(".newsdesk-dashboard svg").count() == 4
        bars = page.locator(".newsdesk-dashboard rect.bar")
        assert bars.count() > 20
        assert page.evaluate(FITS)["page"][0] <= WIDTH
        page.screenshot(path=str(ARTIFACTS / f"dashboard-{WIDTH}.png"), full_page=True)
    finally:
        context.close()


def test_the_revision_diff_fits_and_keeps_words_whole(browser, site):
    article = site["article"]
    numbers = sorted(article.revisions.values_list("number", flat=True))[-2:]
    context, page = _page(browser, site)
    try:
        page.goto(
            f"{site['url']}/admin/articles/article/{article.pk}/revisions/"
            f"?a={numbers[0]}&b={numbers[1]}"
        )
        assert page.locator(".revision-diff del", has_text="Tuesday").count() == 1
        assert page.locator(".revision-diff ins", has_text="Wednesday").count() == 1
        # Each word of the long paragraph sits on one line: one box per word, never two.
        split = page.evaluate(
            """() => {
              const cut = [];
              for (const cell of document.querySelectorAll('.revision-diff td')) {
                const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
                for (let node; (node = walker.nextNode());) {
                  for (const m of node.data.matchAll(/\\S+/g)) {
                    const range = document.createRange();
                    range.setStart(node, m.index);
                    range.setEnd(node, m.index + m[0].length);
                    const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                    if (lines.size > 1) cut.push(m[0]);
                  }
                }
              }
              return cut;
            }"""
        )
        assert split == []
        assert page.evaluate(FITS)["page"][0] <= WIDTH
        page.screenshot(path=str(ARTIFACTS / f"revisions-{WIDTH}.png"), full_page=True)
    finally:
        context.close()
