"""Nothing a commenter types runs as script: a corpus of XSS payloads through every field,
rendered in a real Chromium on the article page, the moderation queue and the admin change list.

The browser context bypasses the Content Security Policy on purpose: CSP would block inline
script anyway, and this test must prove the escaping itself."""

import json
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from newsdesk.articles.tests.factories import ArticleFactory
from newsdesk.comments.models import Comment

from .factories import CommentFactory, solved

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOADS = json.loads((Path(__file__).parent / "fixtures" / "xss_payloads.json").read_text())
TRAP = """
window.__xss = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = (...args) => { window.__xss.push(name + ":" + args.join(",")); };
}
"""
# Elements or attributes that would mean a payload became markup.
DOM_CHECK = """
(root) => {
  const bad = [];
  for (const el of document.querySelectorAll(root + " *")) {
    const tag = el.tagName.toLowerCase();
    if (["script", "iframe", "object", "embed", "svg", "math", "img", "style", "base", "meta",
         "link", "form", "video", "audio", "details", "marquee", "frameset"].includes(tag)
        && !el.closest(".captcha, .queue-filters, #queue-form > div, .comment-form")) {
      bad.push(tag);
    }
    for (const attr of el.attributes) {
      const value = attr.value.trim().toLowerCase();
      if (attr.name.startsWith("on") || value.startsWith("javascript:")
          || value.startsWith("data:text")) {
        bad.push(tag + "[" + attr.name + "]");
      }
    }
  }
  return bad;
}
"""


def store(payloads, article, status):
    for n, payload in enumerate(payloads):
        clean = payload.replace("\x00", "")  # PostgreSQL text cannot hold NUL; the form refuses it
        CommentFactory(
            article=article,
            status=status,
            name=clean[:80] or "x",
            body=clean,
            email=f"p{n}@example.org",
        )


def open_page(browser, url, cookies=None):
    context = browser.new_context(bypass_csp=True)
    if cookies:
        context.add_cookies(cookies)
    context.add_init_script(TRAP)
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url, wait_until="load")
    page.wait_for_timeout(300)  # let onload/onerror/autofocus handlers fire, if any were created
    return context, page, dialogs


def assert_nothing_ran(page, dialogs, root):
    assert page.evaluate("window.__xss") == []
    assert dialogs == []
    assert page.evaluate(DOM_CHECK, root) == []


def test_payloads_posted_through_the_form_are_stored_as_text(live_server, settings):
    settings.NEWSDESK_COMMENTS_MIN_SECONDS = 0
    settings.NEWSDESK_COMMENTS_RATE_IP = "0/60"
    settings.NEWSDESK_COMMENTS_RATE_EMAIL = "0/60"
    # Posted without the proof of work, as without JavaScript: its stricter limits off too.
    settings.NEWSDESK_COMMENTS_RATE_NOJS_IP = "0/60"
    settings.NEWSDESK_COMMENTS_RATE_NOJS_SITE = "0/60"
    article = ArticleFactory()
    client = Client()
    accepted = 0
    for n, payload in enumerate(PAYLOADS[:60]):
        page = client.get(f"/comments/{article.news_id}/form/").content.decode()
        response = client.post(
            f"/comments/{article.news_id}/",
            solved(page, name=payload[:80], body=payload, email=f"x{n}@example.org"),
        )
        assert response.status_code in (303, 400), (payload, response.status_code)
        accepted += response.status_code == 303
    assert accepted > 40
    bodies = set(Comment.objects.values_list("body", flat=True))
    assert "<script>alert(1)</script>" in bodies


def test_article_page_runs_no_commenter_script(live_server, browser):
    article = ArticleFactory()
    store(PAYLOADS, article, Comment.Status.APPROVED)
    context, page, dialogs = open_page(browser, live_server.url + article.get_absolute_url())
    try:
        assert page.locator(".comment").count() == len(PAYLOADS)
        assert_nothing_ran(page, dialogs, "#comments")
        # The text is shown as typed.
        assert "<script>alert(1)</script>" in page.locator("#comments").inner_text()
        links = page.locator(".comment-body a")
        for i in range(links.count()):
            assert links.nth(i).get_attribute("rel") == "nofollow ugc noopener"
            assert re.match(r"^(https?://|mailto:)", links.nth(i).get_attribute("href"))
    finally:
        context.close()


def _admin_cookies(live_server, client):
    user = User.objects.create_superuser("xssadmin", "a@newsroom.example", "pw")
    client.force_login(user)
    return [
        {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}
    ]


def test_moderation_queue_and_change_list_run_no_commenter_script(live_server, browser):
    article = ArticleFactory()
    store(PAYLOADS, article, Comment.Status.PENDING)
    cookies = _admin_cookies(live_server, Client())
    url = f"{live_server.url}/admin/comments/comment/queue/?status=pending"
    seen = 0
    while url:
        context, page, dialogs = open_page(browser, url, cookies)
        try:
            seen += page.locator(".queue-row").count()
            assert_nothing_ran(page, dialogs, "#queue")
            more = page.locator("a", has_text="Next")
            url = (
                live_server.url + "/admin/comments/comment/queue/" + more.get_attribute("href")
                if more.count()
                else None
            )
        finally:
            context.close()
    assert seen == len(PAYLOADS)

    for number in range(0, len(PAYLOADS) // 100 + 1):
        context, page, dialogs = open_page(
            browser, f"{live_server.url}/admin/comments/comment/?p={number + 1}", cookies
        )
        try:
            assert page.locator("#result_list tbody tr").count() > 0
            assert_nothing_ran(page, dialogs, "#result_list")
        finally:
            context.close()

    comment = Comment.objects.order_by("id").first()
    context, page, dialogs = open_page(
        browser, f"{live_server.url}/admin/comments/comment/{comment.pk}/change/", cookies
    )
    try:
        assert page.evaluate("window.__xss") == [] and dialogs == []
    finally:
        context.close()
