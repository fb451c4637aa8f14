"""A reader writes a comment in a real Chromium, under the site's Content Security Policy: the
article page arrives with no form, the script fetches it when the reader starts to write, and
the comment is sent and thanked. Without JavaScript the same links lead to the write page."""

import pytest

from newsdesk.articles.tests.factories import ArticleFactory
from newsdesk.captcha.challenges import challenge_read
from newsdesk.comments.models import Comment

from .factories import CommentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

THANKS = "Thank you. Your comment will appear once a moderator has approved it."


@pytest.fixture
def writing(settings):
    settings.NEWSDESK_COMMENTS_MIN_SECONDS = 0


def open_article(browser, live_server, article, **options):
    context = browser.new_context(**options)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Every request the page makes answers, but the browser's own guess at a favicon.
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.goto(live_server.url + article.get_absolute_url(), wait_until="load")
    return context, page, errors


def fill_and_solve(page, *, body: str) -> None:
    form = page.locator("#comment-form")
    form.get_by_label("Name").fill("Ada Reader")
    form.get_by_label("Email").fill("ada@example.org")
    form.get_by_label("Comment").fill(body)
    token = form.locator("input[name=captcha_token]").input_value()
    form.get_by_label("Security Key").fill(challenge_read(token).answer)


def test_write_a_comment_from_the_article_page(live_server, browser, writing):
    article = ArticleFactory(headline="Ferry timetable changes")
    context, page, errors = open_article(browser, live_server, article)
    try:
        # The page as it came: a link and a slot, no token of any kind.
        assert page.locator("#comment-form").count() == 0
        assert page.locator("input[name=csrfmiddlewaretoken]").count() == 0
        page.get_by_role("link", name="Write a comment").click()
        page.locator("#comment-form").wait_for()
        assert page.locator("#comment-form-slot #comment-form").count() == 1
        assert page.evaluate("document.activeElement.name") == "name"
        assert page.url == live_server.url + article.get_absolute_url()  # no page change

        # The picture's refresh works on the form put in the page after it loaded.
        token = page.locator("input[name=captcha_token]").input_value()
        page.get_by_role("button", name="Captcha refresh").click()
        page.wait_for_function(
            "old => document.querySelector('input[name=captcha_token]').value !== old", arg=token
        )
        assert page.get_by_text("New Security Key picture shown.").is_visible()

        fill_and_solve(page, body="Sent from the article page.")
        page.get_by_role("button", name="Send comment").click()
        page.get_by_text(THANKS).wait_for()
        assert page.url.endswith(f"/comments/{article.news_id}/write/?sent=1")
        page.get_by_role("link", name="Back to the story").click()
        page.wait_for_url(f"**{article.get_absolute_url()}#comments")
        assert errors == []
    finally:
        context.close()
    comment = Comment.objects.get()
    assert (comment.body, comment.status) == ("Sent from the article page.", "pending")


def test_reply_from_the_article_page_keeps_what_was_typed(live_server, browser, writing):
    article = ArticleFactory()
    parent = CommentFactory(article=article, name="Rosa")
    context, page, errors = open_article(browser, live_server, article)
    try:
        page.get_by_role("link", name="Write a comment").click()
        page.locator("#comment-form").get_by_label("Comment").fill("On second thought, a reply.")
        page.get_by_role("link", name="Reply to Rosa").click()
        page.get_by_role("heading", name="Reply to Rosa").wait_for()
        form = page.locator("#comment-form")
        assert form.get_by_label("Comment").input_value() == "On second thought, a reply."
        assert form.locator("input[name=parent]").input_value() == str(parent.pk)
        fill_and_solve(page, body="On second thought, a reply.")
        form.get_by_role("button", name="Send comment").click()
        page.get_by_text(THANKS).wait_for()
        assert errors == []
    finally:
        context.close()
    assert Comment.objects.get(body="On second thought, a reply.").parent_id == parent.pk


def test_moving_the_focus_into_the_comments_brings_the_form(live_server, browser, writing):
    article = ArticleFactory()
    CommentFactory(article=article, name="Rosa")
    context, page, errors = open_article(browser, live_server, article)
    try:
        page.get_by_role("link", name="Reply to Rosa").focus()
        page.locator("#comment-form").wait_for()
        assert page.get_by_role("heading", name="Write a comment").is_visible()
        assert errors == []
    finally:
        context.close()


def test_without_javascript_the_link_opens_the_write_page(live_server, browser, writing):
    article = ArticleFactory(headline="Ferry timetable changes")
    context, page, _ = open_article(browser, live_server, article, java_script_enabled=False)
    try:
        page.get_by_role("link", name="Write a comment").click()
        page.wait_for_url(f"**/comments/{article.news_id}/write/")
        assert page.get_by_role("link", name="Ferry timetable changes").is_visible()
        # A refresh without script posts the form and shows it again, the text kept.
        form = page.locator("#comment-form")
        form.get_by_label("Comment").fill("Kept across the refresh.")
        form.get_by_role("button", name="Captcha refresh").click()
        page.get_by_text("Here is a new Security Key picture.").wait_for()
        assert page.locator("#comment-form").get_by_label("Comment").input_value() == (
            "Kept across the refresh."
        )
        fill_and_solve(page, body="Sent without JavaScript.")
        page.get_by_role("button", name="Send comment").click()
        page.get_by_text(THANKS).wait_for()
    finally:
        context.close()
    assert Comment.objects.filter(body="Sent without JavaScript.").exists()
