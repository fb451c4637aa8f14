"""The wire desk's writes: a story (or some of its items) becomes a draft article."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext

from newsdesk.articles.models import Article
from newsdesk.articles.services import keywords_get_or_create
from newsdesk.core.html import sanitize_external_html

from .models import Story, WireItem

CREDITS_MAX = Article._meta.get_field("source_credits").max_length
HEADLINE_MAX = Article._meta.get_field("headline").max_length


class DraftRefused(ValueError):
    """The draft cannot be made; the message says why, for the editor."""


def story_draft_create(
    *, story: Story, by: AbstractBaseUser | None, items: list[WireItem] | None = None
) -> Article:
    """A draft article from a story: the fullest item's headline and text, every source credited,
    the items' keywords and the latest of their embargoes. Items their source withdrew are left
    out.

    The items it came from keep a link to it (WireItem.article). Made in one transaction: the
    draft and its links exist together or not at all.
    """
    with transaction.atomic():
        chosen = (
            list(items)
            if items is not None
            else list(story.items.select_related("source").order_by("published_at", "pk"))
        )
        if not chosen:
            raise DraftRefused(gettext("This story has no wire items to make a draft from."))
        withdrawn = [item for item in chosen if item.withdrawn]
        chosen = [item for item in chosen if not item.withdrawn]
        if not chosen:
            raise DraftRefused(
                gettext(
                    "Every item of this story was withdrawn by its source; no draft is made from "
                    "withdrawn copy (%(titles)s)."
                )
                % {"titles": ", ".join(i.title[:60] for i in withdrawn[:3])}
            )
        # The longest text is usually the fullest version of the story.
        lead = max(chosen, key=lambda item: (len(item.text), -item.pk))
        credits = list(dict.fromkeys(item.source.credit_name for item in chosen))
        article = Article(
            headline=lead.title[:HEADLINE_MAX],
            # Items stored before relative addresses were dropped are cleaned on the way.
            body=sanitize_external_html(lead.body_html, base_url=lead.url),
            status=Article.Status.DRAFT,
            source_credits=_credits(credits),
        )
        if lead.language:
            article.language = lead.language
        # The latest embargo of the copy used holds the draft: none of it may run before.
        embargoes = [item.embargo_until for item in chosen if item.embargo_until]
        article.embargo_until = max(embargoes) if embargoes else None
        article.save()  # the body is sanitized again by Article.save
        names = [name for item in chosen for name in item.keywords]
        if names:
            article.keywords.set(keywords_get_or_create(names=names))
        WireItem.objects.filter(pk__in=[item.pk for item in chosen]).update(article=article)
    return article


def _credits(names: list[str]) -> str:
    text = ""
    for name in names:
        candidate = f"{text}, {name}" if text else name
        if len(candidate) > CREDITS_MAX:
            break
        text = candidate
    return text


def story_draft(story: Story) -> Article | None:
    """The draft already made from this story, if any (newest)."""
    item = (
        story.items.filter(article__isnull=False)
        .select_related("article")
        .order_by("-article_id")
        .first()
    )
    return item.article if item else None
