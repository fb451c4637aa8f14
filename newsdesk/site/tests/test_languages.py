"""The site in its language (NEWSDESK_LANGUAGE), each story in its own: interface, direction,
digits, calendar, links between translations and their purges."""

import re
from urllib.parse import unquote_to_bytes

from django.core.cache import caches
from django.core.wsgi import get_wsgi_application
from django.test import TestCase, override_settings

from newsdesk.articles.models import Article
from newsdesk.articles.services import article_save
from newsdesk.articles.tests.factories import REFERENCE_TIME, ArticleFactory, SectionFactory
from newsdesk.core import pagecache
from newsdesk.core.pagecache import PageCache
from newsdesk.core.tests.wsgi import wsgi_get

APP = PageCache(get_wsgi_application())


def get(path: str, **headers):
    """Through the page cache, as a server passes a path: decoded, as bytes in a str."""
    return wsgi_get(APP, unquote_to_bytes(path).decode("latin-1"), headers=headers)


def article_tag(html: str) -> str:
    return re.search(r"<article [^>]*>", html).group(0)


class PersianSiteTests(TestCase):
    def setUp(self):
        self.story = ArticleFactory(
            news_id=302156,
            headline="ناتو همراه آمریکا از افغانستان خارج می‌شود",
            language="fa",
            published_at=REFERENCE_TIME,
        )

    def page(self, path=None, **headers) -> str:
        response = self.client.get(path or self.story.get_absolute_url(), headers=headers)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    @override_settings(LANGUAGE_CODE="fa")
    def test_the_interface_is_persian_right_to_left_with_persian_digits(self):
        html = self.page()
        self.assertIn('<html lang="fa" dir="rtl">', html)
        self.assertIn('<article class="article" lang="fa" dir="rtl">', html)
        self.assertIn("کد خبر: <span>۳۰۲۱۵۶</span>", html)
        self.assertIn('<h2 id="keywords-heading">کلیدواژه‌ها</h2>', html)
        self.assertIn("تازه‌سازی کپچا", self.client.get("/comments/302156/write/").content.decode())
        # The GMT dateline in Persian words and digits; the machine-readable time as it was.
        self.assertIn(
            '<time datetime="2021-04-14T01:40:00Z">۰۱۴۰ به وقت گرینویچ، ۱۴ آوریل ۲۰۲۱</time>', html
        )
        # The footer's time with Persian digits and the momayyez, the Persian decimal separator.
        footer = re.search(r'<span class="page-time">([^<]*)</span>', html).group(1)
        self.assertRegex(footer, "^[۰-۹]٫[۰-۹]{4}$")

    @override_settings(LANGUAGE_CODE="fa")
    def test_a_browser_asking_for_english_gets_the_persian_site_and_pages_do_not_vary(self):
        caches[pagecache.CACHE_ALIAS].clear()
        path = self.story.get_absolute_url()
        english = get(path, **{"Accept-Language": "en-US,en;q=0.9"})
        self.assertIn('<html lang="fa" dir="rtl">', english.body.decode())
        self.assertNotIn("accept-language", (english.header("Vary") or "").lower())
        # One copy for every reader: the next reader, asking for Persian, gets the kept one.
        persian = get(path, **{"Accept-Language": "fa"})
        self.assertEqual(persian.header("X-Page-Cache"), "hit")

    @override_settings(LANGUAGE_CODE="fa", NEWSDESK_CALENDAR="solar-hijri")
    def test_the_solar_hijri_calendar_for_a_persian_site_that_asks_for_it(self):
        self.assertIn(
            '<time datetime="2021-04-14T01:40:00Z">۰۱۴۰ به وقت گرینویچ، ۲۵ فروردین ۱۴۰۰</time>',
            self.page(),
        )

    @override_settings(LANGUAGE_CODE="en", NEWSDESK_CALENDAR="solar-hijri")
    def test_the_solar_hijri_calendar_is_never_used_for_another_language(self):
        self.assertIn(">0140 GMT April 14, 2021</time>", self.page())

    @override_settings(LANGUAGE_CODE="ar")
    def test_an_arabic_site_writes_arabic_indic_digits(self):
        html = self.page()
        self.assertIn('<html lang="ar" dir="rtl">', html)
        self.assertIn("رقم الخبر: <span>٣٠٢١٥٦</span>", html)
        self.assertIn(">٠١٤٠ بتوقيت غرينتش، ١٤ إبريل ٢٠٢١</time>", html)

    @override_settings(LANGUAGE_CODE="fa", NEWSDESK_DIGITS="latin")
    def test_an_operator_may_choose_latin_digits_for_a_persian_site(self):
        self.assertIn("کد خبر: <span>302156</span>", self.page())

    def test_the_english_site_keeps_the_reference_dateline(self):
        html = self.page()
        self.assertIn('<html lang="en" dir="ltr">', html)
        self.assertIn('<p class="news-id">News ID: <span>302156</span></p>', html)
        self.assertIn('<time datetime="2021-04-14T01:40:00Z">0140 GMT April 14, 2021</time>', html)


class StoryDirectionTests(TestCase):
    def test_a_persian_story_on_an_english_site_reads_right_to_left_its_labels_left_to_right(self):
        story = ArticleFactory(headline="خبر فارسی", language="fa")
        html = self.client.get(story.get_absolute_url()).content.decode()
        self.assertIn('<html lang="en" dir="ltr">', html)
        self.assertEqual(article_tag(html), '<article class="article" lang="fa" dir="rtl">')
        self.assertIn('<div class="dateline" lang="en" dir="ltr">', html)
        home = self.client.get("/").content.decode()
        self.assertRegex(home, r'<li class="story[^"]*" lang="fa" dir="rtl">')

    @override_settings(LANGUAGE_CODE="fa")
    def test_an_english_story_on_a_persian_site_reads_left_to_right(self):
        story = ArticleFactory(headline="An English story", language="en")
        html = self.client.get(story.get_absolute_url()).content.decode()
        self.assertEqual(article_tag(html), '<article class="article" lang="en" dir="ltr">')
        self.assertIn('<div class="dateline" lang="fa" dir="rtl">', html)
        self.assertIn(
            '<section class="keywords" aria-labelledby="keywords-heading" lang="fa"', html
        )

    @override_settings(LANGUAGE_CODE="fa")
    def test_a_new_story_is_in_the_site_language(self):
        self.assertEqual(Article(headline="تازه").language, "fa")


class TranslationTests(TestCase):
    def setUp(self):
        caches[pagecache.CACHE_ALIAS].clear()
        section = SectionFactory()
        self.english = ArticleFactory(headline="NATO forces to leave together", section=section)
        self.persian = ArticleFactory(headline="نیروهای ناتو با هم می‌روند", language="fa")

    def link(self):
        self.persian.translation_of = self.english
        with self.captureOnCommitCallbacks(execute=True):
            article_save(article=self.persian, by=None)

    def test_linking_translations_purges_both_pages_which_then_link_each_other(self):
        english_path = self.english.get_absolute_url()
        persian_path = self.persian.get_absolute_url()
        for path in (english_path, persian_path):
            get(path)
            self.assertEqual(get(path).header("X-Page-Cache"), "hit")
        self.link()
        english = get(english_path)
        persian = get(persian_path)
        self.assertNotEqual(english.header("X-Page-Cache"), "hit")
        self.assertNotEqual(persian.header("X-Page-Cache"), "hit")
        english_html, persian_html = english.body.decode(), persian.body.decode()
        self.assertIn(
            f'<link rel="alternate" hreflang="fa" href="{self.absolute(persian_path)}">',
            english_html,
        )
        self.assertIn(
            f'<link rel="alternate" hreflang="en" href="{self.absolute(english_path)}">',
            english_html,
        )
        self.assertIn(f'<a href="{persian_path}" hreflang="fa" rel="alternate">', english_html)
        self.assertIn('<li lang="fa" dir="rtl">', english_html)
        self.assertIn(f'<a href="{english_path}" hreflang="en" rel="alternate">', persian_html)

    def absolute(self, path: str) -> str:
        from django.conf import settings

        return settings.NEWSDESK_SITE_URL + path

    def test_a_third_language_joins_the_group_of_the_story_it_names(self):
        self.link()
        arabic = ArticleFactory(headline="قوات الناتو تغادر معًا", language="ar")
        arabic.translation_of = self.persian  # itself a translation: the group's first story
        article_save(article=arabic, by=None)
        arabic.refresh_from_db()
        self.assertEqual(arabic.translation_of, self.english)
        shown = Article.objects.translations_of(self.persian)
        self.assertEqual({a.language for a in shown}, {"en", "ar"})

    def test_a_story_with_translations_that_joins_another_group_brings_them(self):
        self.link()
        other = ArticleFactory(headline="قوات الناتو", language="ar")
        self.english.translation_of = other
        article_save(article=self.english, by=None)
        self.persian.refresh_from_db()
        self.assertEqual(self.persian.translation_of, other)
        self.assertEqual({a.language for a in Article.objects.translations_of(other)}, {"en", "fa"})

    def test_an_unpublished_translation_is_not_linked(self):
        self.link()
        self.persian.status = Article.Status.DRAFT
        self.persian.save()
        html = self.client.get(self.english.get_absolute_url()).content.decode()
        self.assertNotIn('<link rel="alternate" hreflang="fa"', html)
        self.assertNotIn('hreflang="fa" rel="alternate"', html)
        self.assertNotIn('class="translations"', html)
