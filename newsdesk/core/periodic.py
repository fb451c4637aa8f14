from .purge import purges_retry
from .tasks import (
    crontab,
    periodic,
    security_events_purge,
    tasks_heartbeat,
    tasks_retry_failures,
)

periodic(tasks_heartbeat, crontab(minute="*"), at_start=True)
periodic(tasks_retry_failures, at_start=True)
# A purge that failed after its retries (an edge down) is run again until it works.
periodic(purges_retry, crontab(minute="*"))
periodic(security_events_purge, crontab(minute="41", hour="3"))  # daily at 03:41 UTC
