"""Background work for comments (django-tasks API); periodic.py schedules the housekeeping."""

from django_tasks import task

from newsdesk.core.ratelimit import rate_counters_purge

from .services import comment_ips_purge, moderation_notice_send


@task()
def notify_moderators() -> int:
    return moderation_notice_send()


@task()
def purge_comment_ips() -> int:
    return comment_ips_purge()


@task()
def purge_rate_counters() -> int:
    return rate_counters_purge()


@task()
def comments_housekeeping() -> dict:
    """Hourly: IP retention, stale counters, used challenges, and a late moderators' notice."""
    from newsdesk.captcha.challenges import used_challenges_purge

    return {
        "ips_purged": comment_ips_purge(),
        "counters_purged": rate_counters_purge(),
        "challenges_purged": used_challenges_purge(),
        "notified": moderation_notice_send(),
    }
