"""Side effects of publishing, run by the task runner; each is safe to run twice."""

import logging
from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from newsdesk.core.purge import content_changed

from .models import Article, ArticleEvent

logger = logging.getLogger(__name__)


def _paths(article: Article) -> list[str]:
    paths = [
        article.get_absolute_url(),
        reverse("site:short", args=[article.news_id]),
        reverse("site:home"),
    ]
    if article.section_id:
        paths.append(article.section.get_absolute_url())
    paths += [keyword.get_absolute_url() for keyword in article.keywords.all()]
    return paths


@task()
def article_effects_run(*, article_id: int) -> str:
    """What follows a change readers see: purge the pages, feeds and sitemaps that show it."""
    article = Article.objects.select_related("section").filter(pk=article_id).first()
    if article is None:
        return "gone"
    if article.status == Article.Status.PUBLISHED and not article.is_published:
        return "not yet"  # rescheduled later: the task enqueued for the new time does the work
    content_changed(paths=_paths(article))
    with transaction.atomic():
        went_live = Article.objects.filter(pk=article_id, effects_pending=True).update(
            effects_pending=False, effects_done_at=timezone.now()
        )
        if went_live and article.status == Article.Status.PUBLISHED:
            ArticleEvent.objects.create(
                article=article,
                action=ArticleEvent.Action.LIVE,
                to_status=article.status,
                note=f"Visible since {article.visible_from:%Y-%m-%d %H:%M:%S} UTC",
            )
    return "done"


@task()
def article_effects_catch_up() -> int:
    """Run the side effects of every article readers can see whose effects did not run."""
    ids = list(
        Article.objects.effects_due(grace=timedelta(minutes=1)).values_list("pk", flat=True)[:500]
    )
    for article_id in ids:
        article_effects_run.enqueue(article_id=article_id)
    if ids:
        logger.warning("Catching up the side effects of %d article(s).", len(ids))
    return len(ids)
