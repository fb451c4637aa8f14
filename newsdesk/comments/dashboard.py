"""The moderators' panel on the admin home (core/dashboard.py): comments received and moderated
per day, and the queue's size and age. Three grouped queries, however many comments there are."""

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext

from newsdesk.core.dashboard import (
    Chart,
    Fact,
    Panel,
    Series,
    counts_per_day,
    dashboard_panel,
    day_labels,
    last_days,
)

from .models import Comment

DAYS = 14


@dashboard_panel
def comments_panel(request) -> list[Panel]:
    if not request.user.has_perm("comments.moderate_comment"):
        return []
    days = last_days(DAYS)
    pending = Q(status=Comment.Status.PENDING)
    queue = Comment.objects.aggregate(
        waiting=Count("id", filter=pending),
        oldest=Min("created_at", filter=pending),
        spam=Count("id", filter=Q(status=Comment.Status.SPAM)),
    )
    age = timesince(queue["oldest"], timezone.now()) if queue["oldest"] else "—"
    url = reverse("admin:comments_comment_queue")
    chart = Chart(
        title=gettext("Comments per day, last %(days)s days") % {"days": DAYS},
        labels=day_labels(days),
        series=[
            Series(gettext("received"), counts_per_day(Comment.objects.all(), "created_at", days)),
            Series(
                gettext("moderated"), counts_per_day(Comment.objects.all(), "moderated_at", days)
            ),
        ],
    )
    facts = [
        Fact(gettext("waiting for moderation"), str(queue["waiting"]), f"{url}?status=pending"),
        Fact(gettext("the oldest has waited"), age),
        Fact(gettext("in the spam folder"), str(queue["spam"]), f"{url}?status=spam"),
    ]
    return [Panel(title=gettext("Comments"), charts=[chart], facts=facts)]
