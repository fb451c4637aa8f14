from django_tasks import task

from .challenges import used_challenges_purge


@task()
def purge_used_challenges() -> int:
    """Periodic (hourly is plenty): forget used challenge ids once their tokens have expired."""
    return used_challenges_purge()
