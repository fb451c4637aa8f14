"""The wire desk's panel on the admin home (core/dashboard.py): items per source this week,
silent sources included. One grouped query, however many items there are."""

from django.db.models import Count, Q
from django.utils.translation import gettext

from newsdesk.core.dashboard import Chart, Panel, Series, dashboard_panel, day_start, last_days

from .models import Source

DAYS, SOURCES = 7, 12


@dashboard_panel
def wire_panel(request) -> list[Panel]:
    if not request.user.has_perm("ingest.view_wireitem"):
        return []
    since = day_start(last_days(DAYS)[0])
    sources = list(
        Source.objects.annotate(n=Count("items", filter=Q(items__first_seen_at__gte=since)))
        .order_by("-n", "name")
        .values_list("name", "n")[:SOURCES]
    )
    if not sources:
        return [
            Panel(
                title=gettext("Wire desk"),
                empty=gettext("No sources yet: add one under Ingest → Sources."),
            )
        ]
    chart = Chart(
        title=gettext("Wire items per source, last %(days)s days") % {"days": DAYS},
        labels=[name for name, _ in sources],
        series=[Series(gettext("items"), [n for _, n in sources])],
        horizontal=True,
    )
    return [Panel(title=gettext("Wire desk"), charts=[chart])]
