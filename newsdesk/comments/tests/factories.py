"""Factories and helpers for the comments app: a reader posting through the real form."""

import json
import re
from html import unescape

import factory

from newsdesk.articles.tests.factories import ArticleFactory
from newsdesk.captcha.challenges import challenge_read
from newsdesk.captcha.pow import pow_solve
from newsdesk.comments.models import Comment
from newsdesk.comments.privacy import comment_email_fields, email_digest, email_encrypt


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    class Params:
        email = "reader@example.org"

    article = factory.SubFactory(ArticleFactory)
    name = factory.Sequence(lambda n: f"Reader {n}")
    body = "Well reported, thank you."
    status = Comment.Status.APPROVED
    email_digest = factory.LazyAttribute(lambda o: email_digest(o.email))
    email_encrypted = factory.LazyAttribute(lambda o: email_encrypt(o.email))


TOKEN_RE = re.compile(r'name="captcha_token" value="([^"]+)"')
STARTED_RE = re.compile(r'name="started" value="([^"]+)"')
PARENT_RE = re.compile(r'name="parent" value="([^"]*)"')
POW_RE = re.compile(r'data-pow-challenge="([^"]+)"')


def form_fields(html: str) -> dict:
    """The hidden values of the comment form in a page (the form's fragment, the write page):
    the challenge token, the signed start and, when it answers a comment, the parent."""
    fields = {
        "captcha_token": TOKEN_RE.search(html).group(1),
        "started": STARTED_RE.search(html).group(1),
    }
    parent = PARENT_RE.search(html)
    if parent:
        fields["parent"] = parent.group(1)
    return fields


def pow_challenge(html: str) -> dict:
    """The proof-of-work challenge the form carries for the browser's worker."""
    return json.loads(unescape(POW_RE.search(html).group(1)))


def solved(html: str, *, pow: bool = False, **fields) -> dict:
    """POST data answering the form's Security Key (read from the token with the server's key),
    as a browser sends it: every hidden field of the form, and the reader's text. With `pow`,
    the proof of work solved here at native speed, as the browser's worker would; without, the
    field is empty, as without JavaScript."""
    hidden = form_fields(html)
    answer = challenge_read(hidden["captcha_token"]).answer
    data = {
        "name": "Ada Reader",
        "email": "ada@example.org",
        "body": "A thoughtful comment.",
        "captcha_answer": answer,
        "website": "",
        "pow": pow_solve(pow_challenge(html)) if pow else "",
        **hidden,
    }
    data.update(fields)
    return data


def comment_create(
    article,
    *,
    name: str = "A reader",
    body: str = "Well reported.",
    email: str = "reader@example.org",
    approved: bool = True,
) -> Comment:
    """A reader's comment, approved unless told otherwise (the comments app keeps the address)."""
    status = Comment.Status.APPROVED if approved else Comment.Status.PENDING
    return Comment.objects.create(
        article=article, name=name, body=body, status=status, **comment_email_fields(email)
    )
