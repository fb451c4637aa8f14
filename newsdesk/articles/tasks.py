"""Side effects of publishing, run by the task runner; each is safe to run twice."""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from newsdesk.core.purge import keys_purge

from .effects import effects_follow_ups_run
from .keys import article_change_keys, article_key
from .models import Article, ArticleEvent

logger = logging.getLogger(__name__)


def article_keys(article: Article) -> set[str]:
    """The keys a change to `article` purges (articles/keys.py): lists it left still show it
    under its own key, so the lists it is in now are the ones to name. The pages of its
    translations link to it: a group it left names it already, the group it is in now is named
    here (linking two translations purges both pages)."""
    root = article.translation_root_id
    group = Article.objects.filter(Q(pk=root) | Q(translation_of_id=root)).exclude(pk=article.pk)
    return article_change_keys(
        news_id=article.news_id,
        section_ids=[article.section_id],
        keyword_ids=article.keywords.values_list("pk", flat=True),
        author_ids=article.authors.values_list("pk", flat=True),
    ) | {article_key(news_id) for news_id in group.values_list("news_id", flat=True)}


@task()
def article_effects_run(*, article_id: int) -> str:
    """What follows a change readers see: purge the pages, feeds and sitemaps that show it."""
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        return "gone"
    if article.status == Article.Status.PUBLISHED and not article.is_published:
        return "not yet"  # rescheduled later: the task enqueued for the new time does the work
    # Live for the first time (or again, after an unpublish): no run since readers first saw it.
    # A later edit or correction of a live story runs the same effects, but it went live once.
    first_run = article.effects_done_at is None or (
        article.visible_from is not None and article.effects_done_at < article.visible_from
    )
    with transaction.atomic():
        keys_purge(article_keys(article))
        ran = Article.objects.filter(pk=article_id, effects_pending=True).update(
            effects_pending=False, effects_done_at=timezone.now()
        )
        if ran and first_run and article.status == Article.Status.PUBLISHED:
            ArticleEvent.objects.create(
                article=article,
                action=ArticleEvent.Action.LIVE,
                to_status=article.status,
                note=f"Visible since {article.visible_from:%Y-%m-%d %H:%M:%S} UTC",
            )
    effects_follow_ups_run(article_id=article_id)  # the apps above articles (effects.py)
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
