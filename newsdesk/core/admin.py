from django.contrib import admin, messages

from .models import TaskFailure
from .tasks import task_failure_retry


@admin.register(TaskFailure)
class TaskFailureAdmin(admin.ModelAdmin):
    list_display = ["task_path", "failed_at", "resolved_at", "resolution"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["task_path", "error"]
    readonly_fields = [
        "task_path",
        "args",
        "kwargs",
        "result_id",
        "error",
        "failed_at",
        "resolved_at",
        "resolution",
    ]
    actions = ["run_again", "dismiss"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Run the selected tasks again", permissions=["change"])
    def run_again(self, request, queryset):
        failures = list(queryset.filter(resolved_at__isnull=True))
        for failure in failures:
            task_failure_retry(failure=failure)
        self.message_user(request, f"Enqueued {len(failures)} task(s) again.", messages.SUCCESS)

    @admin.action(description="Dismiss the selected alarms", permissions=["change"])
    def dismiss(self, request, queryset):
        from django.utils import timezone

        count = queryset.filter(resolved_at__isnull=True).update(
            resolved_at=timezone.now(), resolution=f"Dismissed by {request.user.get_username()}"
        )
        self.message_user(request, f"Dismissed {count} alarm(s).", messages.SUCCESS)
