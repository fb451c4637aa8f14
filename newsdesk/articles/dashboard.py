"""The newsroom's panels on the admin home (core/dashboard.py): what was published, day by day,
and what is coming up, scheduled or under embargo. Three grouped queries, whatever the archive."""

from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from newsdesk.core.dashboard import (
    Chart,
    Panel,
    Series,
    counts_per_day,
    dashboard_panel,
    day_labels,
    last_days,
    next_days,
)

from .models import Article

DAYS, AHEAD, UPCOMING = 14, 7, 8


@dashboard_panel
def published_panel(request) -> list[Panel]:
    if not request.user.has_perm("articles.view_article"):
        return []
    days = last_days(DAYS)
    chart = Chart(
        title=gettext("Stories published per day, last %(days)s days") % {"days": DAYS},
        labels=day_labels(days),
        series=[
            Series(
                gettext("stories"),
                counts_per_day(Article.objects.published(), "published_at", days),
            )
        ],
    )
    return [Panel(title=gettext("Published"), charts=[chart])]


@dashboard_panel
def coming_up_panel(request) -> list[Panel]:
    if not request.user.has_perm("articles.publish_article"):
        return []
    # When readers first see it: its time, or its embargo's lift if later (Article.visible_from).
    scheduled = Article.objects.scheduled().annotate(
        visible=Greatest("published_at", Coalesce("embargo_until", "published_at"))
    )
    days = next_days(AHEAD)
    chart = Chart(
        title=gettext("Scheduled and embargoed, next %(days)s days") % {"days": AHEAD},
        labels=day_labels(days),
        series=[Series(gettext("stories"), counts_per_day(scheduled, "visible", days))],
    )
    upcoming = scheduled.order_by("visible", "id").only(
        "pk", "headline", "status", "published_at", "embargo_until"
    )[:UPCOMING]
    table_rows = [
        [
            (date_format(timezone.localtime(a.visible), "D j M, H:i"), ""),
            (a.state_label, ""),
            (a.headline, reverse("admin:articles_article_change", args=[a.pk])),
        ]
        for a in upcoming
    ]
    return [
        Panel(
            title=gettext("Coming up"),
            charts=[chart],
            table=([gettext("Readers see it"), gettext("State"), gettext("Story")], table_rows),
            empty=gettext("Nothing is scheduled or under embargo."),
        )
    ]
