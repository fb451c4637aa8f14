from django.urls import reverse
from django.utils.translation import ngettext

from newsdesk.core.alarms import alarm

from .models import Article


@alarm
def overdue_side_effects(request) -> list[dict]:
    if not request.user.has_perm("articles.publish_article"):
        return []
    late = Article.objects.effects_late().count()
    if not late:
        return []
    return [
        {
            "text": ngettext(
                "%(count)d published article is visible but its side effects (cache purge, "
                "notifications) have not run. They will run when the task runner catches up.",
                "%(count)d published articles are visible but their side effects (cache purge, "
                "notifications) have not run. They will run when the task runner catches up.",
                late,
            )
            % {"count": late},
            "url": reverse("admin:articles_article_changelist") + "?state=late",
        }
    ]
