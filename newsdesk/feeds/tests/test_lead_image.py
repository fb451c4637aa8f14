import io
import json

import feedparser
import lxml.html
from django.core.files.base import ContentFile
from django.test import TestCase
from django.urls import reverse
from PIL import Image as PILImage

from newsdesk.articles.models import Image
from newsdesk.articles.tests.plain_factories import ArticleFactory


def png(width=1200, height=675) -> ContentFile:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), (20, 90, 160)).save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="glacier.png")


class LeadImageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.image = Image.objects.create(file=png(), alt="A glacier from the air")
        cls.article = ArticleFactory(headline="Glacier retreats", lead_image=cls.image)

    def test_feeds_carry_the_lead_image(self):
        rss = feedparser.parse(
            self.client.get(reverse("feeds:site", kwargs={"fmt": "rss"})).content
        )
        [enclosure] = rss.entries[0].enclosures
        self.assertEqual(enclosure.type, "image/png")
        self.assertTrue(enclosure.href.startswith("http://127.0.0.1:8000/media/"))
        atom = feedparser.parse(
            self.client.get(reverse("feeds:site", kwargs={"fmt": "atom"})).content
        )
        self.assertEqual(atom.entries[0].enclosures[0].href, enclosure.href)
        item = json.loads(self.client.get(reverse("feeds:site", kwargs={"fmt": "json"})).content)[
            "items"
        ][0]
        self.assertEqual(item["image"], enclosure.href)
        self.assertEqual(item["attachments"][0]["mime_type"], "image/png")

    def test_page_metadata_uses_the_lead_image(self):
        document = lxml.html.fromstring(self.client.get(self.article.get_absolute_url()).content)
        [og_image] = document.xpath('//meta[@property="og:image"]/@content')
        self.assertTrue(og_image.startswith("http://127.0.0.1:8000/media/"))
        self.assertEqual(document.xpath('//meta[@property="og:image:width"]/@content'), ["1200"])
        self.assertEqual(
            document.xpath('//meta[@name="twitter:card"]/@content'), ["summary_large_image"]
        )
        blocks = [
            json.loads(s.text) for s in document.xpath('//script[@type="application/ld+json"]')
        ]
        news = next(b for b in blocks if b["@type"] == "NewsArticle")
        self.assertEqual(news["image"], [og_image])

    def test_api_lists_the_lead_image(self):
        data = self.client.get(f"/api/articles/{self.article.news_id}").json()
        self.assertEqual(data["lead_image"]["alt"], "A glacier from the air")
        self.assertEqual(data["lead_image"]["width"], 1200)
