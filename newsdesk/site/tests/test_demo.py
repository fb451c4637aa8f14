"""`newsdesk demo` and `newsdesk generate`."""

import io

from django.core.management import call_command
from django.test import TestCase

from newsdesk.articles.models import Article, Author, Image, Keyword, Section
from newsdesk.articles.tests.factories import ArticleFactory
from newsdesk.comments.models import Comment
from newsdesk.site.demo import STORIES


class DemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        # Drawing the pictures and their renditions takes seconds: once for the class.
        call_command("demo", stdout=io.StringIO())

    def test_loads_published_stories_with_sections_keywords_authors_and_approved_comments(self):
        published = Article.objects.published()
        self.assertEqual(published.count(), len(STORIES))
        self.assertGreaterEqual(published.filter(is_top_story=True).count(), 2)
        self.assertFalse(published.filter(section=None).exists())
        self.assertFalse(published.filter(keywords=None).exists())
        self.assertFalse(published.filter(authors=None).exists())
        self.assertTrue(published.exclude(source_credits="").exists())
        self.assertGreater(Comment.objects.approved().count(), 5)

    def test_most_stories_and_every_author_have_a_picture_with_its_renditions(self):
        with_picture = Article.objects.exclude(lead_image=None)
        self.assertGreater(with_picture.count(), len(STORIES) * 2 // 3)
        for image in Image.objects.all():
            self.assertTrue(image.alt)
            self.assertEqual(set(image.formats), {"avif", "webp", "jpeg"})
        for author in Author.objects.all():
            self.assertTrue(author.bio)
            self.assertIsNotNone(author.picture)

    def test_one_body_shows_a_picture_a_table_a_long_quotation_and_an_embed(self):
        article = Article.objects.get(news_id=1001)
        html = self.client.get(article.get_absolute_url()).content.decode()
        body = html.split('<div class="body">', 1)[1].split('<section class="keywords"', 1)[0]
        self.assertIn('<div class="table-scroll" role="region" tabindex="0"', body)
        self.assertIn('<th scope="col">Cost</th>', body)
        self.assertRegex(body, r'<figure><img src="/media/renditions/[^"]+" srcset="[^"]+ 320w')
        self.assertRegex(body, r"<blockquote><p>[^<]{300,}</p>")
        self.assertIn('<iframe src="https://www.youtube-nocookie.com/embed/', body)

    def test_pictures_are_the_same_on_every_load(self):
        from newsdesk.site.demo_pictures import DRAWINGS, draw_picture, draw_portrait

        for name in DRAWINGS:
            self.assertEqual(draw_picture(name), draw_picture(name), name)
        self.assertEqual(draw_portrait("mara-ellison"), draw_portrait("mara-ellison"))

    def test_running_twice_duplicates_nothing(self):
        counts = [m.objects.count() for m in (Article, Section, Keyword, Author, Comment, Image)]
        out = io.StringIO()
        call_command("demo", stdout=out)
        self.assertEqual(
            [m.objects.count() for m in (Article, Section, Keyword, Author, Comment, Image)],
            counts,
        )
        self.assertIn("0 created", out.getvalue())

    def test_demo_pages_render(self):
        self.assertEqual(self.client.get("/").status_code, 200)
        for article in Article.objects.all():
            self.assertEqual(self.client.get(article.get_absolute_url()).status_code, 200)


class GenerateTests(TestCase):
    def test_adds_n_published_articles_above_the_highest_news_id(self):
        ArticleFactory(news_id=700)
        out = io.StringIO()
        call_command("generate", articles=45, batch_size=20, stdout=out)
        generated = Article.objects.filter(news_id__gt=700)
        self.assertEqual(generated.count(), 45)
        self.assertEqual(sorted(generated.values_list("news_id", flat=True)), list(range(701, 746)))
        self.assertEqual(Article.objects.published().count(), 46)
        self.assertIn("45 / 45 articles", out.getvalue())

    def test_articles_have_keywords_authors_sections_and_times_spread_over_years(self):
        call_command("generate", articles=60, batch_size=25, years=4, stdout=io.StringIO())
        articles = Article.objects.all()
        self.assertFalse(articles.filter(keywords=None).exists())
        self.assertFalse(articles.filter(authors=None).exists())
        self.assertFalse(articles.filter(section=None).exists())
        first, last = articles.order_by("published_at")[0], articles.order_by("-published_at")[0]
        self.assertGreater((last.published_at - first.published_at).days, 3 * 365)
        self.assertIn("<h2>", "".join(articles.values_list("body", flat=True)))

    def test_generated_article_page_renders(self):
        call_command("generate", articles=5, stdout=io.StringIO())
        article = Article.objects.first()
        self.assertEqual(self.client.get(article.get_absolute_url()).status_code, 200)
