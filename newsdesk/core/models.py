from django.db import models


class TaskFailureQuerySet(models.QuerySet):
    def unresolved(self):
        return self.filter(resolved_at__isnull=True)


class TaskFailure(models.Model):
    """A background task that failed after its last retry: an admin alarm until resolved.

    huey forgets a task once it has given up on it; this row keeps enough to run it again.
    """

    task_path = models.CharField(max_length=255, help_text="The task function, by module path.")
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    result_id = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    failed_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=200, blank=True)

    objects = TaskFailureQuerySet.as_manager()

    class Meta:
        ordering = ["-failed_at", "-id"]
        indexes = [models.Index(fields=["resolved_at"], name="taskfailure_open_idx")]

    def __str__(self) -> str:
        return f"{self.task_path} failed at {self.failed_at:%Y-%m-%d %H:%M} UTC"


class RateCounter(models.Model):
    """One fixed-window counter (see ratelimit.py); purged once its window has passed."""

    bucket = models.CharField(max_length=120, primary_key=True)
    hits = models.PositiveIntegerField(default=0)
    expires = models.BigIntegerField(db_index=True)

    class Meta:
        db_table = "comments_ratecounter"  # created by the comments app, which held it first

    def __str__(self) -> str:
        return f"{self.bucket}: {self.hits}"
