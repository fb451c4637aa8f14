"""A screen-reader user writes a comment, in a real Chromium, through the accessibility tree only:
every step finds its control by role and accessible name (what a screen reader announces), from
the article page's "Write a comment" link to the comment shown on the page. The Security Key is
answered the way the other tests do (the answer read from the token with the server's key),
after the spoken alternative was fetched and checked as audio."""

import shutil

import pytest
from playwright.sync_api import expect

from newsdesk.articles.tests.factories import ArticleFactory
from newsdesk.captcha.challenges import challenge_read
from newsdesk.comments.models import Comment
from newsdesk.comments.services import comments_moderate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

THANKS = "Thank you. Your comment will appear once a moderator has approved it."


@pytest.fixture
def writing(settings):
    settings.NEWSDESK_COMMENTS_MIN_SECONDS = 0


def _write_by_roles(page, live_server, article, *, with_audio: bool):
    page.get_by_role("link", name="Write a comment").click()
    form = page.get_by_role("form", name="Write a comment")
    form.wait_for()
    form.get_by_role("textbox", name="Name").fill("Ada Reader")
    form.get_by_role("textbox", name="Email").fill("ada@example.org")
    form.get_by_role("textbox", name="Comment").fill("Heard the key, typed it.")

    # The picture announces what to do; the answer box says how many characters.
    picture = form.get_by_role("img", name="Security Key picture", exact=False)
    assert "5 letters and digits" in picture.get_attribute("alt")
    answer = form.get_by_role("textbox", name="Security Key")
    description = answer.evaluate(
        "el => document.getElementById(el.getAttribute('aria-describedby')).textContent"
    )
    assert "Type the 5 characters" in description
    if with_audio:
        assert "Listen to the Security Key" in description
        listen = form.get_by_role("link", name="Listen to the Security Key (audio)")
        audio = page.request.get(live_server.url + listen.get_attribute("href"))
        assert audio.status == 200
        assert audio.headers["content-type"] == "audio/wav"
        assert audio.body()[:4] == b"RIFF"
    else:
        expect(form.get_by_role("note")).to_contain_text("not available on this site")
        assert form.get_by_role("link", name="Listen to the Security Key (audio)").count() == 0
    token = form.locator("input[name=captcha_token]").input_value()
    answer.fill(challenge_read(token).answer.lower())  # as heard: case does not matter
    form.get_by_role("button", name="Send comment").click()
    expect(page.get_by_role("status")).to_have_text(THANKS)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_screen_reader_user_writes_a_comment_with_the_audio_key(live_server, browser, writing):
    article = ArticleFactory(headline="Ferry timetable changes")
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(live_server.url + article.get_absolute_url())
        comments = page.get_by_role("region", name="Comments (0)")
        expect(comments).to_be_visible()
        _write_by_roles(page, live_server, article, with_audio=True)

        comment = Comment.objects.get()
        comments_moderate(
            comments=Comment.objects.filter(pk=comment.pk),
            status=Comment.Status.APPROVED,
            by=None,
        )
        page.get_by_role("link", name="Back to the story").click()
        # The browser kept the page as it came (readers' pages are cacheable): ask again.
        page.reload()
        region = page.get_by_role("region", name="Comments (1)")
        expect(region.get_by_role("listitem")).to_contain_text("Heard the key, typed it.")
        expect(region.get_by_role("link", name="Reply to Ada Reader")).to_be_visible()
    finally:
        context.close()


def test_without_espeak_the_form_says_so_and_still_takes_the_comment(
    live_server, browser, writing, monkeypatch
):
    from newsdesk.captcha import audio

    monkeypatch.setattr(audio.shutil, "which", lambda name: None)
    article = ArticleFactory(headline="Ferry timetable changes")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + article.get_absolute_url())
        _write_by_roles(page, live_server, article, with_audio=False)
    finally:
        context.close()
    assert Comment.objects.get().body == "Heard the key, typed it."
