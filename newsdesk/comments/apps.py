from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    name = "newsdesk.comments"
    label = "comments"
    verbose_name = _("Comments")

    def ready(self):
        from newsdesk.core.metrics import metric_gauge

        from . import dashboard  # noqa: F401 - registers its panel on the admin home
        from .models import Comment

        metric_gauge(
            "newsdesk_comments_pending",
            "Comments waiting for a moderator.",
            lambda: Comment.objects.pending().count(),
        )
