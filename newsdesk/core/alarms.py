"""Alarms shown at the top of every admin page: things editors must know are not happening.

An app adds one with `@alarm`; the function gets the request and returns alarms
({"text": ..., "url": ...}) for that user, cheaply: it runs on every admin page.
"""

from collections.abc import Callable

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext

_alarms: list[Callable[[HttpRequest], list[dict]]] = []


def alarm(func: Callable[[HttpRequest], list[dict]]):
    if func not in _alarms:
        _alarms.append(func)
    return func


def alarms_for(request: HttpRequest) -> list[dict]:
    user = getattr(request, "user", None)
    if not (user and user.is_active and user.is_staff):
        return []
    found = []
    for func in _alarms:
        found.extend(func(request))
    return found


@alarm
def task_alarms(request: HttpRequest) -> list[dict]:
    from .models import TaskFailure
    from .tasks import worker_is_late, worker_last_seen

    if not request.user.has_perm("core.view_taskfailure"):
        return []
    found = []
    if worker_is_late():
        seen = worker_last_seen()
        if seen:
            text = gettext(
                "The task runner has not run since %(time)s: side effects of publishing (cache "
                "purge, notifications) are waiting. Start it with `newsdesk serve` or "
                "`newsdesk worker`."
            ) % {"time": f"{timezone.localtime(seen):%Y-%m-%d %H:%M %Z}"}
        else:
            text = gettext(
                "The task runner has not run yet: side effects of publishing (cache purge, "
                "notifications) are waiting. Start it with `newsdesk serve` or `newsdesk worker`."
            )
        found.append({"text": text, "url": ""})
    failed = TaskFailure.objects.unresolved().count()
    if failed:
        found.append(
            {
                "text": ngettext(
                    "%(count)d background task failed after every retry. Open it to run it again.",
                    "%(count)d background tasks failed after every retry. "
                    "Open them to run them again.",
                    failed,
                )
                % {"count": failed},
                "url": reverse("admin:core_taskfailure_changelist") + "?resolved_at__isnull=True",
            }
        )
    return found
