from django.contrib import admin, messages
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .login import ThrottledAuthenticationForm, throttled_login_view
from .models import SecurityEvent, TaskFailure
from .tasks import task_failure_retry

# Admin sign-in counts attempts by account and by address before checking passwords (login.py).
admin.site.login_form = ThrottledAuthenticationForm
admin.site.login = throttled_login_view(admin.site.login)
# The lists need the width at 1280 px (the breadcrumbs and the home page lead everywhere).
admin.site.enable_nav_sidebar = False


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

    @admin.action(description=_("Run the selected tasks again"), permissions=["change"])
    def run_again(self, request, queryset):
        failures = list(queryset.filter(resolved_at__isnull=True))
        for failure in failures:
            task_failure_retry(failure=failure)
        self.message_user(
            request,
            ngettext(
                "Enqueued %(count)d task again.", "Enqueued %(count)d tasks again.", len(failures)
            )
            % {"count": len(failures)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Dismiss the selected alarms"), permissions=["change"])
    def dismiss(self, request, queryset):
        from django.utils import timezone

        count = queryset.filter(resolved_at__isnull=True).update(
            resolved_at=timezone.now(),
            resolution=gettext("Dismissed by %(user)s") % {"user": request.user.get_username()},
        )
        self.message_user(
            request,
            ngettext("Dismissed %(count)d alarm.", "Dismissed %(count)d alarms.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """The audit record, for superusers: read-only, purged after NEWSDESK_SECURITY_EVENT_DAYS."""

    list_display = ["at", "kind", "username", "address", "detail"]
    list_filter = ["kind"]
    search_fields = ["username", "address"]
    date_hierarchy = "at"

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
