"""What every reader page carries besides its content (issue 18): a description, the site's
feeds and the page's own, icons that answer, a heading outline without gaps, landmarks with
names of their own; author pages with bio, portrait and feed; bylines that link to them; bodies
whose tables scroll in their own box. The browser's view of the same is test_layout_browser.py."""

import io
import json
import re

from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.test import TestCase
from django.urls import reverse
from PIL import Image as PILImage

from newsdesk.articles.models import Image
from newsdesk.articles.tests.factories import (
    ArticleFactory,
    AuthorFactory,
    KeywordFactory,
    SectionFactory,
)
from newsdesk.articles.tests.html import find_all, parse, text
from newsdesk.core.html import sanitize_html
from newsdesk.site.templatetags.site_pages import story_body


def _portrait() -> Image:
    buffer = io.BytesIO()
    PILImage.new("RGB", (400, 400), (30, 80, 120)).save(buffer, "JPEG")
    image = Image(alt="Portrait of Ana Ruiz")
    image.file.save("ana.jpg", ContentFile(buffer.getvalue()), save=False)
    image.save()
    return image


class ReaderPagesTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = SectionFactory(name="Politics", slug="politics", description="")
        cls.keyword = KeywordFactory(name="Harbour", slug="harbour")
        cls.author = AuthorFactory(
            name="Ana Ruiz", slug="ana-ruiz", bio="Covers the harbour and the council."
        )
        cls.other = AuthorFactory(name="Ben Ode", slug="ben-ode")
        cls.article = ArticleFactory(
            headline="Harbour plan approved",
            section=cls.section,
            keywords=[cls.keyword],
            authors=[cls.author, cls.other],
        )
        cls.unsigned = ArticleFactory(headline="Tide tables for the week", section=cls.section)
        cls.unsigned.authors.set([])
        cls.pages = {
            "home": "/",
            "article": cls.article.get_absolute_url(),
            "section": "/section/politics/",
            "keyword": "/keyword/harbour/",
            "author": "/author/ana-ruiz/",
            "search": "/search/?q=harbour",
            "not found": "/no/such/page/",
        }

    def get(self, path: str):
        response = self.client.get(path)
        self.assertIn(response.status_code, (200, 404), path)
        doc, errors = parse(response.content)
        self.assertEqual(errors, [], path)
        return doc


class EveryPageTests(ReaderPagesTestCase):
    def test_every_page_has_a_description_of_its_own(self):
        seen = {}
        for name, path in self.pages.items():
            doc = self.get(path)
            descriptions = [
                m.get("content") for m in find_all(doc, "meta") if m.get("name") == "description"
            ]
            self.assertEqual(len(descriptions), 1, name)
            self.assertGreater(len(descriptions[0]), 20, name)
            seen[name] = descriptions[0]
        del seen["not found"]  # the site's own description, as on the home page
        self.assertEqual(len(set(seen.values())), len(seen))

    def test_every_page_advertises_the_sites_feeds_in_its_head_and_links_them(self):
        for name, path in self.pages.items():
            doc = self.get(path)
            alternates = {
                (link.get("type"), link.get("href"))
                for link in find_all(doc, "link")
                if link.get("rel") == "alternate"
            }
            with self.subTest(page=name):
                self.assertLessEqual(
                    {
                        ("application/rss+xml", "/feeds/rss/"),
                        ("application/atom+xml", "/feeds/atom/"),
                        ("application/feed+json", "/feeds/json/"),
                    },
                    alternates,
                )
                footer_links = {a.get("href") for a in find_all(find_all(doc, "footer")[0], "a")}
                self.assertLessEqual({"/feeds/rss/", "/feeds/atom/", "/feeds/json/"}, footer_links)

    def test_lists_advertise_their_own_feed_and_the_article_its_sections(self):
        expected = {
            "section": "/feeds/section/politics/rss/",
            "keyword": "/feeds/keyword/harbour/rss/",
            "author": "/feeds/author/ana-ruiz/rss/",
            "article": "/feeds/section/politics/rss/",
        }
        for name, href in expected.items():
            doc = self.get(self.pages[name])
            hrefs = [
                link.get("href") for link in find_all(doc, "link") if link.get("rel") == "alternate"
            ]
            self.assertIn(href, hrefs, name)
            self.assertEqual(self.client.get(href).status_code, 200, href)

    def test_icons_and_the_manifest_answer(self):
        doc = self.get("/")
        icons = [
            link.get("href") for link in find_all(doc, "link") if "icon" in link.get("rel", "")
        ]
        self.assertEqual(len(icons), 3)  # favicon.ico, favicon.svg, apple-touch-icon
        for href in icons:
            self.assertIsNotNone(finders.find(href.removeprefix("/static/")), href)
        favicon = self.client.get("/favicon.ico")
        self.assertEqual(favicon.status_code, 301)
        self.assertIsNotNone(finders.find(favicon["Location"].removeprefix("/static/")))
        manifest = self.client.get(reverse("site:manifest"))
        self.assertEqual(manifest["Content-Type"], "application/manifest+json; charset=utf-8")
        data = json.loads(manifest.content)
        self.assertEqual(data["name"], "Newsdesk")
        for icon in data["icons"]:
            self.assertIsNotNone(finders.find(icon["src"].removeprefix("/static/")), icon)
        sizes = {icon["sizes"] for icon in data["icons"]}
        self.assertLessEqual({"192x192", "512x512"}, sizes)

    def test_headings_go_down_one_level_at_a_time_from_a_single_h1(self):
        for name, path in self.pages.items():
            doc = self.get(path)
            levels = [int(e.tag[1]) for e in doc.iter() if re.fullmatch(r"h[1-6]", str(e.tag))]
            with self.subTest(page=name, levels=levels):
                self.assertEqual(levels[0], 1)
                self.assertEqual(levels.count(1), 1)
                self.assertTrue(all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)))

    def test_landmarks_of_one_kind_have_names_of_their_own(self):
        for name, path in self.pages.items():
            doc = self.get(path)
            named = [
                (e.tag, e.get("aria-label"))
                for e in doc.iter()
                if e.tag == "nav" or e.get("role") == "search"
            ]
            with self.subTest(page=name, landmarks=named):
                self.assertTrue(all(label for _, label in named))
                self.assertEqual(len(named), len(set(named)))


class BylineAndAuthorPageTests(ReaderPagesTestCase):
    def test_the_byline_links_each_author_to_their_page(self):
        doc = self.get(self.pages["article"])
        byline = [p for p in find_all(doc, "p", "byline")][0]
        self.assertEqual(text(byline), "By Ana Ruiz and Ben Ode")
        self.assertEqual(
            [a.get("href") for a in find_all(byline, "a")],
            ["/author/ana-ruiz/", "/author/ben-ode/"],
        )

    def test_a_story_with_no_author_is_signed_by_the_site_and_shows_its_section(self):
        doc = self.get(self.unsigned.get_absolute_url())
        self.assertEqual(text(find_all(doc, "p", "byline")[0]), "By Newsdesk")
        self.assertEqual(text(find_all(doc, "p", "section")[0]), "Politics")

    def test_the_author_page_shows_the_bio_the_portrait_and_the_feed(self):
        self.author.picture = _portrait()
        self.author.save()
        response = self.client.get(self.pages["author"])
        doc, _ = parse(response.content)
        self.assertIn("Covers the harbour and the council.", text(find_all(doc, "p", "bio")[0]))
        portrait = find_all(find_all(doc, "figure", "portrait")[0], "img")[0]
        self.assertEqual(portrait.get("alt"), "Portrait of Ana Ruiz")
        self.assertIn("Harbour plan approved", response.content.decode())
        follow = find_all(doc, "p", "follow")[0]
        self.assertIn(
            "/feeds/author/ana-ruiz/atom/", [a.get("href") for a in find_all(follow, "a")]
        )
        keys = response["Surrogate-Key"].split()
        self.assertLessEqual(
            {
                f"author-{self.author.pk}",
                f"list-author-{self.author.pk}",
                f"image-{self.author.picture_id}",
            },
            set(keys),
        )

    def test_a_deeper_page_of_an_authors_list_is_named_by_the_author(self):
        response = self.client.get(self.pages["author"], {"after": "x"})
        self.assertEqual(response.status_code, 400)
        for n in range(25):
            ArticleFactory(headline=f"Story {n}", authors=[self.author])
        first = self.client.get(self.pages["author"])
        cursor = first.context["page"].next_cursor
        deeper = self.client.get(self.pages["author"], {"after": cursor})
        self.assertIn(f"author-{self.author.pk}", deeper["Surrogate-Key"].split())
        self.assertNotIn(f"list-author-{self.author.pk}", deeper["Surrogate-Key"].split())


class StoryPageTests(ReaderPagesTestCase):
    def test_print_address_is_the_canonical_one(self):
        doc = self.get(self.pages["article"])
        self.assertEqual(
            text(find_all(doc, "p", "print-url")[0]),
            "http://127.0.0.1:8000" + self.article.get_absolute_url(),
        )

    def test_tables_are_kept_and_wrapped_in_a_box_that_scrolls_and_takes_focus(self):
        body = sanitize_html(
            '<table style="width:3000px" onclick="x()"><tr><th scope="col" style="color:red">A'
            '</th><td colspan="2">1</td></tr></table><p>After</p>'
        )
        self.assertEqual(
            body,
            '<table><tbody><tr><th scope="col">A</th><td colspan="2">1</td></tr></tbody></table>'
            "<p>After</p>",
        )
        self.assertEqual(
            story_body(body),
            '<div class="table-scroll" role="region" tabindex="0" aria-label="Table"><table>'
            '<tbody><tr><th scope="col">A</th><td colspan="2">1</td></tr></tbody></table></div>'
            "<p>After</p>",
        )
