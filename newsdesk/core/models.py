from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class TaskFailureQuerySet(models.QuerySet):
    def unresolved(self):
        return self.filter(resolved_at__isnull=True)


class TaskFailure(models.Model):
    """A background task that failed after its last retry: an admin alarm until resolved.

    huey forgets a task once it has given up on it; this row keeps enough to run it again.
    """

    task_path = models.CharField(
        max_length=255,
        help_text=_("The task function, by module path."),
        verbose_name=_("task path"),
    )
    args = models.JSONField(default=list, blank=True, verbose_name=_("arguments"))
    kwargs = models.JSONField(default=dict, blank=True, verbose_name=_("keyword arguments"))
    result_id = models.CharField(max_length=64, blank=True, verbose_name=_("result ID"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    failed_at = models.DateTimeField(auto_now_add=True, verbose_name=_("failed at"))
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))
    resolution = models.CharField(max_length=200, blank=True, verbose_name=_("resolution"))

    objects = TaskFailureQuerySet.as_manager()

    class Meta:
        verbose_name = _("task failure")
        verbose_name_plural = _("task failures")
        ordering = ["-failed_at", "-id"]
        indexes = [models.Index(fields=["resolved_at"], name="taskfailure_open_idx")]

    def __str__(self) -> str:
        return gettext("%(task)s failed at %(time)s UTC") % {
            "task": self.task_path,
            "time": f"{self.failed_at:%Y-%m-%d %H:%M}",
        }


class RateCounter(models.Model):
    """One fixed-window counter (see ratelimit.py); purged once its window has passed."""

    bucket = models.CharField(max_length=120, primary_key=True, verbose_name=_("bucket"))
    hits = models.PositiveIntegerField(default=0, verbose_name=_("hits"))
    expires = models.BigIntegerField(db_index=True, verbose_name=_("expires"))

    class Meta:
        verbose_name = _("rate counter")
        verbose_name_plural = _("rate counters")
        db_table = "comments_ratecounter"  # created by the comments app, which held it first

    def __str__(self) -> str:
        return f"{self.bucket}: {self.hits}"


class SecurityEventQuerySet(models.QuerySet):
    def older_than(self, days: int):
        return self.filter(at__lt=timezone.now() - timedelta(days=days))


class SecurityEvent(models.Model):
    """An audit record of something an attacker does, for the site's administrators: one per
    throttled account or address and window, not one per refused attempt. Purged after
    NEWSDESK_SECURITY_EVENT_DAYS (it holds addresses, which are personal data)."""

    class Kind(models.TextChoices):
        LOGIN_THROTTLED = "login-throttled", _("Sign-in attempts throttled")

    kind = models.CharField(max_length=32, choices=Kind.choices, verbose_name=_("kind"))
    at = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("time"))
    # Only the name of an account that exists: a password typed into the name field is never kept.
    username = models.CharField(max_length=150, blank=True, verbose_name=_("username"))
    address = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("address"))
    detail = models.CharField(max_length=300, blank=True, verbose_name=_("detail"))

    objects = SecurityEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return gettext("%(kind)s at %(time)s UTC") % {
            "kind": self.get_kind_display(),
            "time": f"{self.at:%Y-%m-%d %H:%M}",
        }


class PeriodicClaim(models.Model):
    """The last minute whose periodic jobs a worker's scheduler enqueued (tasks.py). Every
    scheduler moves it forward with one conditional UPDATE: exactly one of them wins each minute,
    however many workers run (issue 12, finding 3)."""

    name = models.CharField(max_length=64, primary_key=True, verbose_name=_("name"))
    minute = models.BigIntegerField(
        help_text=_("Minutes since 1970-01-01 UTC."), verbose_name=_("minute")
    )

    class Meta:
        verbose_name = _("periodic claim")
        verbose_name_plural = _("periodic claims")

    def __str__(self) -> str:
        return f"{self.name}: minute {self.minute}"


class Counter(models.Model):
    """A named number handed out once each, to whichever process asks (counters.py)."""

    name = models.CharField(max_length=50, primary_key=True, verbose_name=_("name"))
    value = models.BigIntegerField(default=0, verbose_name=_("value"))

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"


class TaskOutbox(models.Model):
    """A task that could not be enqueued (the queue's Redis did not answer), kept until a worker
    or the next enqueue that works puts it in the queue, oldest first (tasks_backend.py). It is
    enqueued under the result id its caller was given."""

    result_id = models.CharField(max_length=64, unique=True, verbose_name=_("result ID"))
    backend = models.CharField(max_length=64, default="default", verbose_name=_("backend"))
    task_path = models.CharField(max_length=255, verbose_name=_("task path"))
    priority = models.IntegerField(default=0, verbose_name=_("priority"))
    queue_name = models.CharField(max_length=64, default="default", verbose_name=_("queue"))
    run_after = models.DateTimeField(null=True, blank=True, verbose_name=_("run after"))
    args = models.JSONField(default=list, blank=True, verbose_name=_("arguments"))
    kwargs = models.JSONField(default=dict, blank=True, verbose_name=_("keyword arguments"))
    kept_at = models.DateTimeField(auto_now_add=True, verbose_name=_("kept at"))

    class Meta:
        verbose_name = _("task kept for the queue")
        verbose_name_plural = _("tasks kept for the queue")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.task_path} ({self.result_id})"
