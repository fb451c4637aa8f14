from newsdesk.core.tasks import crontab, periodic

from .tasks import article_effects_catch_up

# A scheduled story's effects are enqueued for its minute; this sweep (and every worker start)
# catches any that a lost queue or a stopped worker missed.
periodic(article_effects_catch_up, crontab(minute="*"), at_start=True)
