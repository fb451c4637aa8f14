"""Numbers, dates and reading direction in the site's language (docs/operations.md, "Languages").

One choice per site language, the same on every page: Persian digits for fa, Arabic-Indic digits
for ar, Latin digits otherwise (NEWSDESK_DIGITS overrides), and the Gregorian calendar, or the
Solar Hijri one for fa (NEWSDESK_CALENDAR=solar-hijri). What machines read (datetime attributes,
JSON-LD, feeds, sitemaps, the API) never goes through here: ISO 8601, UTC, Latin digits.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.utils import dateformat, translation
from django.utils.formats import number_format
from django.utils.translation import gettext, pgettext

LATIN = "0123456789"
DIGITS = {
    "latin": LATIN,
    "persian": "۰۱۲۳۴۵۶۷۸۹",
    "arabic": "٠١٢٣٤٥٦٧٨٩",
}
# The digits each language writes when NEWSDESK_DIGITS does not say.
LANGUAGE_DIGITS = {"fa": "persian", "ar": "arabic"}
CALENDARS = ("gregorian", "solar-hijri")
# Solar Hijri is the calendar of Iran and Afghanistan: offered for Persian only.
CALENDAR_LANGUAGES = {"solar-hijri": ("fa",)}


def base_language(code: str | None) -> str:
    return (code or settings.LANGUAGE_CODE).split("-")[0].lower()


def language_direction(code: str | None) -> str:
    """ "rtl" for a language written right to left (Django's LANGUAGES_BIDI), else "ltr"."""
    bidi = settings.LANGUAGES_BIDI
    code = (code or "").lower()
    return "rtl" if code in bidi or base_language(code) in bidi else "ltr"


def digit_system(language: str | None = None) -> str:
    """The digits shown in `language` (default: the active one, which is the site's)."""
    language = base_language(language or translation.get_language())
    if settings.NEWSDESK_DIGITS and language == base_language(settings.LANGUAGE_CODE):
        return settings.NEWSDESK_DIGITS
    return LANGUAGE_DIGITS.get(language, "latin")


def calendar(language: str | None = None) -> str:
    language = base_language(language or translation.get_language())
    if language in CALENDAR_LANGUAGES.get(settings.NEWSDESK_CALENDAR, (language,)):
        return settings.NEWSDESK_CALENDAR
    return "gregorian"


def digits(text: object, language: str | None = None) -> str:
    """`text` with its Latin digits written in the language's own."""
    text = str(text)
    system = digit_system(language)
    if system == "latin":
        return text
    return text.translate(str.maketrans(LATIN, DIGITS[system]))


def number(value, decimal_pos: int | None = None, language: str | None = None) -> str:
    """A number as readers of the language write it: its decimal separator and digits
    (a Persian page shows ۰٫۰۰۱۲, with the momayyez)."""
    return digits(number_format(value, decimal_pos=decimal_pos), language)


def _date(value: datetime, *, short: bool = False) -> str:
    if calendar() == "solar-hijri":
        import jdatetime

        day = jdatetime.date.fromgregorian(date=value.date())
        return f"{day.day} {jdatetime.date.j_months_fa[day.month - 1]} {day.year}"
    if short:
        # Translators: a short date (a comment's), in Django's date format syntax: "N j, Y" is
        # "Apr. 14, 2021"; "j F Y" is "14 April 2021".
        return dateformat.format(value, pgettext("short date", "N j, Y"))
    # Translators: the date of a dateline, in Django's date format syntax: "F j, Y" is
    # "April 14, 2021"; "j F Y" is "14 April 2021".
    return dateformat.format(value, pgettext("dateline date", "F j, Y"))


def day(value: datetime | None) -> str:
    """The day of `value` (in UTC, as the dateline) in the site's words, digits and calendar."""
    if value is None:
        return ""
    return digits(_date(value.astimezone(UTC), short=True))


def dateline(value: datetime | None) -> str:
    """The reference's GMT dateline, "0140 GMT April 14, 2021", in the site's language: its
    words, digits and calendar ("۰۱۴۰ به وقت گرینویچ، ۲۵ فروردین ۱۴۰۰")."""
    if value is None:
        return ""
    value = value.astimezone(UTC)
    # Translators: a dateline; %(time)s is the hour and minute in GMT ("0140"), %(date)s the day.
    text = gettext("%(time)s GMT %(date)s") % {"time": value.strftime("%H%M"), "date": _date(value)}
    return digits(text)
