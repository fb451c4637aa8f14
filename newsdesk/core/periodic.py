from .tasks import crontab, periodic, tasks_heartbeat, tasks_retry_failures

periodic(tasks_heartbeat, crontab(minute="*"), at_start=True)
periodic(tasks_retry_failures, at_start=True)
