"""A reader's Chromium does the proof of work while the reader writes (a Web Worker from our own
static files, under the site's Content Security Policy), and the server accepts the comment
with it: the challenge is marked used, and the no-JavaScript limit did not count it."""

import pytest

from newsdesk.articles.tests.factories import ArticleFactory
from newsdesk.captcha.models import UsedChallenge
from newsdesk.comments.models import Comment

from .test_form_browser import THANKS, fill_and_solve, open_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def writing(settings):
    settings.NEWSDESK_COMMENTS_MIN_SECONDS = 0
    # A reader without the proof of work would be refused: only the worker's answer gets in.
    settings.NEWSDESK_COMMENTS_RATE_NOJS_IP = "0/600"
    settings.NEWSDESK_COMMENTS_RATE_NOJS_SITE = "0/600"
    return settings


def test_the_browser_solves_the_work_while_the_reader_writes(live_server, browser, writing):
    article = ArticleFactory()
    context, page, errors = open_article(browser, live_server, article)
    try:
        page.get_by_role("link", name="Write a comment").click()
        pow_field = page.locator("#comment-form input[name=pow]")
        pow_field.wait_for(state="attached")
        fill_and_solve(page, body="Solved by my browser.")
        page.wait_for_selector(
            "#comment-form input[name=pow][data-pow-state=done]", state="attached"
        )
        assert pow_field.input_value()  # the payload, base64 JSON
        page.get_by_role("button", name="Send comment").click()
        page.get_by_text(THANKS).wait_for()
        assert errors == []
    finally:
        context.close()
    assert Comment.objects.get().body == "Solved by my browser."
    assert UsedChallenge.objects.filter(challenge_id__startswith="p").count() == 1


def test_sending_before_the_work_is_done_waits_for_it(live_server, browser, writing):
    # Enough work that the reader's click comes first (tens of thousands of derivations).
    writing.NEWSDESK_POW_DIFFICULTY = 100_000
    writing.NEWSDESK_POW_COST = 50
    article = ArticleFactory()
    context, page, errors = open_article(browser, live_server, article)
    try:
        page.get_by_role("link", name="Write a comment").click()
        page.wait_for_selector(
            "#comment-form input[name=pow][data-pow-state=working]", state="attached"
        )
        fill_and_solve(page, body="Sent in a hurry.")
        page.get_by_role("button", name="Send comment").click()
        page.get_by_role("status").filter(has_text="Finishing the anti-spam check").wait_for()
        page.get_by_text(THANKS).wait_for(timeout=120_000)
        assert errors == []
    finally:
        context.close()
    assert Comment.objects.get().body == "Sent in a hurry."
    assert UsedChallenge.objects.filter(challenge_id__startswith="p").exists()
