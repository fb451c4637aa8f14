"""Webhook tasks: what to announce after a change, and each delivery's attempts."""

from __future__ import annotations

from django_tasks import task

from newsdesk.articles.models import Article, ArticleEvent
from newsdesk.comments.models import Comment

from .models import Event, WebhookDelivery, WebhookEndpoint
from .services import site_url, webhook_announce, webhook_deliver_attempt

Action = ArticleEvent.Action
# The article events that readers' systems hear of, and as what.
ANNOUNCED = {
    Action.PUBLISHED: Event.STORY_PUBLISHED,
    Action.SCHEDULED: Event.STORY_PUBLISHED,  # once its time has come
    Action.EDITED: Event.STORY_UPDATED,
    Action.RESTORED: Event.STORY_UPDATED,
    Action.CORRECTED: Event.STORY_CORRECTED,
    Action.UNPUBLISHED: Event.STORY_UNPUBLISHED,
}
RECENT = 20  # events of one article looked at after each of its changes


def _story(article: Article) -> dict:
    return {
        "news_id": article.news_id,
        "headline": article.headline,
        "url": site_url(article.get_absolute_url()),
        "section": article.section.name if article.section_id else None,
        "status": article.status,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "updated_at": article.updated_at.isoformat() if article.updated_at else None,
    }


@task()
def webhooks_article_changed(*, article_id: int) -> int:
    """Run after an article's side effects: announce each of its changes readers have seen
    that no endpoint has heard of yet (a delivery per endpoint and article event, once)."""
    endpoints = WebhookEndpoint.objects.filter(active=True, events__isnull=False)
    first = endpoints.order_by("created_at").values_list("created_at", flat=True).first()
    article = Article.objects.select_related("section").filter(pk=article_id).first()
    if first is None or article is None:
        return 0
    events = list(
        ArticleEvent.objects.filter(
            article=article, action__in=list(ANNOUNCED), at__gte=first
        ).order_by("-at", "-id")[:RECENT]
    )
    announced = 0
    for event in reversed(events):
        kind = ANNOUNCED[event.action]
        if kind == Event.STORY_UNPUBLISHED:
            pass  # announced whatever the story's state is now
        elif not article.is_published:
            continue  # not yet (or no longer) seen by readers
        elif kind != Event.STORY_PUBLISHED and event.at < article.visible_from:
            continue  # an edit before readers first saw the story is part of its publication
        announced += webhook_announce(
            event_type=kind, event_id=f"article-event-{event.pk}", data=_story(article), at=event.at
        )
    return announced


@task()
def webhooks_event(*, type: str, data: dict) -> int:
    """An event of core/events.py: the comment ones are announced."""
    if type not in (Event.COMMENT_POSTED, Event.COMMENT_APPROVED):
        return 0
    comment = Comment.objects.select_related("article").filter(pk=data["comment_id"]).first()
    if comment is None:
        return 0
    at = (comment.moderated_at if type == Event.COMMENT_APPROVED else None) or comment.created_at
    payload = {
        "id": comment.pk,
        "parent_id": comment.parent_id,
        "name": comment.name,
        "body": comment.body,
        "status": comment.status,
        "created_at": comment.created_at.isoformat(),
        "story": {
            "news_id": comment.article.news_id,
            "headline": comment.article.headline,
            "url": site_url(comment.article.get_absolute_url()),
        },
    }
    return webhook_announce(
        event_type=type,
        event_id=f"{type}-{comment.pk}-{int(at.timestamp() * 1000)}",
        data=payload,
        at=at,
    )


@task()
def webhook_deliver(*, delivery_id: int) -> str:
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None:
        return "gone"
    return "delivered" if webhook_deliver_attempt(delivery=delivery) else delivery.status
