from datetime import UTC, datetime

from django import template
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from newsdesk.core import l10n
from newsdesk.core.middleware import PAGE_TIME_MARKER
from newsdesk.core.reverse import cached_reverse

register = template.Library()


@register.filter
def gmt(value: datetime | None) -> str:
    """The reference's form, 0140 GMT April 14, 2021, in the site's language (core/l10n.py)."""
    return l10n.dateline(value)


@register.filter
def day(value: datetime | None) -> str:
    """A short date in the site's language: Apr. 14, 2021; ۲۵ فروردین ۱۴۰۰."""
    return l10n.day(value)


@register.filter
def digits(value) -> str:
    """A number or code as readers see it: in the site language's digits (News ID ۳۰۲۱۵۶)."""
    return l10n.digits(value)


@register.filter
def direction(language: str | None) -> str:
    """The reading direction of a language code: "rtl" or "ltr"."""
    return l10n.language_direction(language)


@register.filter
def ui_lang(language: str | None) -> str:
    """The site's language and direction given back to a part of the interface (a label, a
    date) inside a story in another language; nothing when the story is in the site's."""
    site = translation.get_language()
    if l10n.base_language(language) == l10n.base_language(site):
        return ""
    return format_html(' lang="{}" dir="{}"', site, l10n.language_direction(site))


# The same choices in the names of the browser's Intl API, for the reader's local time.
_INTL_CALENDAR = {"gregorian": "gregory", "solar-hijri": "persian"}
_INTL_DIGITS = {"latin": "latn", "persian": "arabext", "arabic": "arab"}


@register.simple_tag
def local_calendar() -> str:
    return _INTL_CALENDAR[l10n.calendar()]


@register.simple_tag
def local_digits() -> str:
    return _INTL_DIGITS[l10n.digit_system()]


@register.filter
def iso_utc(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@register.simple_tag
def page_time() -> str:
    """Where the footer shows this request's server time; ServerTimingMiddleware fills it in."""
    return mark_safe(PAGE_TIME_MARKER)  # noqa: S308 - a constant of ours


@register.simple_tag
def fixed_url(name: str, *args) -> str:
    """{% url %} for the addresses every page links (the chrome's home, search and feeds, a
    list's feeds): reversed once per process (core/reverse.py), not on every rendering."""
    return cached_reverse(name, *args)
