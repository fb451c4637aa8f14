"""Digits, calendars and directions of the site's languages (core/l10n.py), and the checks of
their settings."""

from datetime import UTC, datetime

from django.test import SimpleTestCase, override_settings
from django.utils import translation

from newsdesk.core import l10n
from newsdesk.core.checks import language_check

REFERENCE = datetime(2021, 4, 14, 1, 40, tzinfo=UTC)


class L10nTests(SimpleTestCase):
    def test_directions(self):
        self.assertEqual(
            [l10n.language_direction(c) for c in ("fa", "ar", "en", "fa-IR", "")],
            ["rtl", "rtl", "ltr", "rtl", "ltr"],
        )

    def test_each_language_writes_its_own_digits(self):
        for language, expected in (("fa", "۳۰۲۱۵۶"), ("ar", "٣٠٢١٥٦"), ("en", "302156")):
            with self.subTest(language=language), translation.override(language):
                self.assertEqual(l10n.digits(302156), expected)

    def test_numbers_take_the_language_decimal_separator(self):
        with translation.override("fa"):
            self.assertEqual(l10n.number(0.674, decimal_pos=4), "۰٫۶۷۴۰")
        with translation.override("en"):
            self.assertEqual(l10n.number(0.674, decimal_pos=4), "0.6740")

    @override_settings(NEWSDESK_CALENDAR="solar-hijri")
    def test_solar_hijri_dates_for_persian_only(self):
        with translation.override("fa"):
            self.assertEqual(l10n.day(REFERENCE), "۲۵ فروردین ۱۴۰۰")
        with translation.override("en"):
            self.assertEqual(l10n.dateline(REFERENCE), "0140 GMT April 14, 2021")


class LanguageCheckTests(SimpleTestCase):
    def ids(self):
        return [problem.id for problem in language_check()]

    def test_the_defaults_pass(self):
        self.assertEqual(self.ids(), [])

    @override_settings(LANGUAGE_CODE="xx", NEWSDESK_DIGITS="roman", NEWSDESK_CALENDAR="lunar")
    def test_unknown_values_are_errors(self):
        self.assertEqual(self.ids(), ["core.E020", "core.E021", "core.E022"])

    @override_settings(LANGUAGE_CODE="ar", NEWSDESK_CALENDAR="solar-hijri")
    def test_solar_hijri_on_a_site_that_is_not_persian_is_a_warning(self):
        self.assertEqual(self.ids(), ["core.W020"])
