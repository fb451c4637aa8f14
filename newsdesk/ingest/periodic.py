from newsdesk.core.tasks import crontab, periodic

from .tasks import ingest_index_archive, ingest_poll_due

periodic(ingest_poll_due, crontab(minute="*"), at_start=True)
periodic(ingest_index_archive, crontab(minute="*/5"), at_start=True)
