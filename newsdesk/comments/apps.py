from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "newsdesk.comments"
    label = "comments"

    def ready(self):
        from newsdesk.core.metrics import metric_gauge

        from . import dashboard  # noqa: F401 - registers its panel on the admin home
        from .models import Comment

        metric_gauge(
            "newsdesk_comments_pending",
            "Comments waiting for a moderator.",
            lambda: Comment.objects.pending().count(),
        )
