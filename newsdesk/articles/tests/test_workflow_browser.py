"""In Chromium: an editor takes a story from draft through review and schedule to published, and a
reporter who tries to publish is refused. Runs under the site's real Content Security Policy."""

import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from newsdesk.articles import roles
from newsdesk.articles.models import Article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def make_user(name: str, role: str):
    user = get_user_model().objects.create_user(name, password="correct horse 42", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def sign_in(browser, live_server, username: str):
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "correct horse 42")
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")
    return page, errors


def test_reporter_writes_and_submits_editor_schedules_and_it_publishes_at_its_time(
    browser, live_server
):
    make_user("rita", roles.REPORTER)
    make_user("ed", roles.EDITOR)

    # The reporter writes a draft in the rich-text editor.
    page, errors = sign_in(browser, live_server, "rita")
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    page.fill("#id_headline", "Lighthouse keeper retires after forty years")
    assert "43 characters" in page.inner_text("#headline-counter")
    editor = page.wait_for_selector(
        ".prose-editor > .ProseMirror", timeout=10_000
    )  # the editor loaded under CSP
    editor.click()
    page.keyboard.type("The last keeper of the northern light handed over the keys on Friday.")
    page.click("input[name=_continue]")
    page.wait_for_selector("text=was added successfully")
    article = Article.objects.get(headline__startswith="Lighthouse keeper")
    assert "handed over the keys" in article.body
    assert article.created_by.username == "rita"

    # No publish button for a reporter; and going to the publish page anyway is refused.
    assert page.locator("a.workflow-publish").count() == 0
    response = page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/workflow/publish/")
    assert response.status == 403
    assert "Only editors can schedule, publish" in page.inner_text("#content-main")

    # Submit for review.
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    page.click("a.workflow-submit")
    page.fill("#id_note", "Ready for the desk")
    page.click("input[name=confirm]")
    page.wait_for_selector("text=The article is now in review")
    assert Article.objects.get(pk=article.pk).status == Article.Status.REVIEW

    # The editor previews it, then schedules it a few seconds ahead (newsroom time).
    page, editor_errors = sign_in(browser, live_server, "ed")
    page.goto(f"{live_server.url}/preview/{article.news_id}/")
    assert "Lighthouse keeper retires" in page.inner_text("h1")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    page.click("a.workflow-schedule")
    at = timezone.localtime(timezone.now() + timedelta(seconds=6))
    page.fill("#id_at_0", at.strftime("%Y-%m-%d"))
    page.fill("#id_at_1", at.strftime("%H:%M:%S"))
    page.click("input[name=confirm]")
    page.wait_for_selector("text=The article is now scheduled")
    article.refresh_from_db()
    assert article.state == "scheduled"

    # Readers do not see it until its time, then they do, with no worker running.
    reader = browser.new_context(timezone_id="America/New_York", locale="en-US").new_page()
    assert reader.goto(f"{live_server.url}/news/{article.news_id}/").status == 404
    time.sleep(max(0.0, (at - timezone.now()).total_seconds()) + 0.5)
    response = reader.goto(f"{live_server.url}/news/{article.news_id}/")
    assert response.status == 200
    assert reader.inner_text("h1") == "Lighthouse keeper retires after forty years"
    published = reader.inner_text(".published")
    assert "GMT" in published  # the reference's form, then the reader's own time beside it
    assert "your time" in reader.inner_text(".published .local-time")
    assert "EST" in published or "EDT" in published
    # The editor's scripts all ran under the CSP (its import map carries the response's nonce).
    assert not [e for e in errors + editor_errors if "script-src" in e]
