from datetime import UTC, datetime

from django import template
from django.utils.safestring import mark_safe

from newsdesk.core import l10n
from newsdesk.core.middleware import PAGE_TIME_MARKER

register = template.Library()


@register.filter
def gmt(value: datetime | None) -> str:
    """The reference's form, 0140 GMT April 14, 2021, in the site's language (core/l10n.py)."""
    return l10n.dateline(value)


@register.filter
def digits(value) -> str:
    """A number or code as readers see it: in the site language's digits (News ID ۳۰۲۱۵۶)."""
    return l10n.digits(value)


@register.filter
def direction(language: str | None) -> str:
    """The reading direction of a language code: "rtl" or "ltr"."""
    return l10n.language_direction(language)


@register.filter
def iso_utc(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@register.simple_tag
def page_time() -> str:
    """Where the footer shows this request's server time; ServerTimingMiddleware fills it in."""
    return mark_safe(PAGE_TIME_MARKER)  # noqa: S308 - a constant of ours
