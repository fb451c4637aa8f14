"""The related stories' task: run after the side effects of each change readers see."""

from django_tasks import task

from newsdesk.articles.keys import related_key
from newsdesk.core.purge import keys_purge

from .services import related_refresh


@task()
def related_refresh_task(*, article_id: int) -> list[int]:
    """Rank the article's related stories and its neighbours' again (services.related_refresh),
    then purge the pages whose lists changed, and only them (not the lists that show those
    stories). Returns their News IDs."""
    changed = related_refresh(article_id=article_id)
    keys_purge(related_key(news_id) for news_id in changed)
    return changed


def related_follow_up(article_id: int) -> None:
    """Registered with the articles' effects (apps.py): the refresh runs as a task of its own,
    retried on its own, and does not hold up the article's purge."""
    related_refresh_task.enqueue(article_id=article_id)
