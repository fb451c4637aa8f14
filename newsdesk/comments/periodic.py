from newsdesk.core.tasks import crontab, periodic

from .tasks import comments_housekeeping

# IP retention, stale rate counters, used challenges, a late moderators' notice.
periodic(comments_housekeeping, crontab(minute="23"), at_start=True)
