from django import template

from newsdesk.core.alarms import alarms_for

register = template.Library()


@register.inclusion_tag("core/admin_alarms.html", takes_context=True)
def admin_alarms(context) -> dict:
    request = context.get("request")
    return {"alarms": alarms_for(request) if request is not None else []}
