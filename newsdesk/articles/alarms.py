from datetime import timedelta

from django.conf import settings
from django.urls import reverse

from newsdesk.core.alarms import alarm

from .models import Article


@alarm
def overdue_side_effects(request) -> list[dict]:
    if not request.user.has_perm("articles.publish_article"):
        return []
    grace = timedelta(minutes=settings.NEWSDESK_TASK_ALARM_MINUTES)
    late = Article.objects.effects_due(grace=grace).count()
    if not late:
        return []
    return [
        {
            "text": f"{late} published article(s) are visible but their side effects (cache purge, "
            "notifications) have not run. They will run when the task runner catches up.",
            "url": reverse("admin:articles_article_changelist") + "?effects=late",
        }
    ]
