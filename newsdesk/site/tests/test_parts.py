"""The article page keeps its story, metadata and related stories rendered; readers still see
every change at once."""

from django.test import TestCase
from django.urls import reverse

from newsdesk.articles import roles
from newsdesk.articles.models import Article
from newsdesk.articles.tests.factories import ArticleFactory, AuthorFactory, KeywordFactory
from newsdesk.articles.tests.test_workflow import user_in


class ArticlePartsTests(TestCase):
    def setUp(self):
        self.keyword = KeywordFactory(name="Harbour works")
        self.author = AuthorFactory(name="Ada Byline")
        self.article = ArticleFactory(
            headline="Breakwater rebuilt", keywords=[self.keyword], authors=[self.author]
        )
        self.url = self.article.get_absolute_url()
        self.client.force_login(user_in(roles.ADMINISTRATOR, "chief"))

    def page(self) -> str:
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def admin_change(self, obj, data: dict) -> None:
        url = reverse(f"admin:articles_{obj._meta.model_name}_change", args=[obj.pk])
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, response.content[:500])

    def test_the_story_is_rendered_once_and_kept(self):
        self.page()
        with self.assertNumQueries(2):  # article; approved comments
            html = self.page()
        self.assertIn("Breakwater rebuilt", html)
        self.assertIn("Harbour works", html)
        self.assertIn("Ada Byline", html)

    def test_an_edit_of_the_story_shows_at_once(self):
        self.page()
        article = Article.objects.get(pk=self.article.pk)
        article.headline = "Breakwater rebuilt after storm"
        article.save()
        self.assertIn("Breakwater rebuilt after storm", self.page())

    def test_a_keyword_renamed_in_the_admin_shows_at_once(self):
        self.page()
        self.admin_change(self.keyword, {"name": "Harbour repairs", "slug": self.keyword.slug})
        html = self.page()
        self.assertIn("Harbour repairs", html)
        self.assertNotIn("Harbour works", html)

    def test_an_author_renamed_in_the_admin_shows_at_once(self):
        self.page()
        self.admin_change(self.author, {"name": "Ada Lovelace", "slug": self.author.slug})
        html = self.page()
        self.assertNotIn("Ada Byline", html)
        self.assertIn('"author":[{"@type":"Person","name":"Ada Lovelace"}]', html)

    def test_a_section_renamed_in_the_admin_shows_in_the_story_and_the_nav(self):
        section = self.article.section
        old_name = section.name
        self.assertIn(old_name, self.page())
        self.admin_change(
            section, {"name": "Coast and sea", "slug": section.slug, "position": section.position}
        )
        html = self.page()
        self.assertNotIn(old_name, html)
        self.assertRegex(html, r'<nav aria-label="Sections">.*Coast and sea')
        self.assertIn('<p class="section"><a href="/section/', html)
        self.assertIn('"articleSection":"Coast and sea"', html)
