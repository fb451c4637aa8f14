from django import template

from newsdesk.core.alarms import alarms_for
from newsdesk.core.dashboard import Chart, chart_drawing, panels_for

register = template.Library()


@register.inclusion_tag("core/admin_alarms.html", takes_context=True)
def admin_alarms(context) -> dict:
    request = context.get("request")
    return {"alarms": alarms_for(request) if request is not None else []}


@register.inclusion_tag("core/admin_dashboard.html", takes_context=True)
def admin_dashboard(context) -> dict:
    request = context.get("request")
    return {"panels": panels_for(request) if request is not None else []}


@register.filter
def drawing(chart: Chart) -> dict:
    return chart_drawing(chart)


@register.filter
def index(values: list, i: int):
    return values[i]
