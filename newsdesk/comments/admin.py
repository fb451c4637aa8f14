from django.contrib import admin

from .models import Comment


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["name", "article", "status", "created_at"]
    list_filter = ["status", "created_at"]
    list_select_related = ["article"]
    search_fields = ["name", "body"]
    raw_id_fields = ["article"]
    actions = ["approve"]

    @admin.action(description="Approve selected comments", permissions=["change"])
    def approve(self, request, queryset):
        updated = queryset.update(status=Comment.Status.APPROVED)
        self.message_user(request, f"Approved {updated} comment(s).")
