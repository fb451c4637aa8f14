from datetime import UTC, datetime

from django import template
from django.utils import dateformat
from django.utils.safestring import mark_safe

from newsdesk.core.middleware import PAGE_TIME_MARKER

register = template.Library()


@register.filter
def gmt(value: datetime | None) -> str:
    """The reference's form: 0140 GMT April 14, 2021."""
    if value is None:
        return ""
    return dateformat.format(value.astimezone(UTC), r"Hi \G\M\T F j, Y")


@register.filter
def iso_utc(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@register.simple_tag
def page_time() -> str:
    """Where the footer shows this request's server time; ServerTimingMiddleware fills it in."""
    return mark_safe(PAGE_TIME_MARKER)  # noqa: S308 - a constant of ours
