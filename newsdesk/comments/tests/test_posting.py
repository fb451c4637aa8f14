from django.test import TestCase, override_settings

from newsdesk.articles.tests.factories import ArticleFactory
from newsdesk.comments.models import Comment

from .factories import solved


@override_settings(NEWSDESK_COMMENTS_MIN_SECONDS=0)
class CommentPostingTests(TestCase):
    def setUp(self):
        self.article = ArticleFactory()
        self.url = self.article.get_absolute_url()
        self.post_url = f"/comments/post/{self.article.news_id}/"

    def page(self) -> str:
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_article_page_shows_security_key_with_refresh_and_audio(self):
        html = self.page()
        self.assertIn("Security Key", html)
        self.assertIn('class="captcha-image" src="/captcha/image/', html)
        self.assertIn("Captcha refresh", html)
        self.assertIn("/captcha/audio/", html)

    def test_solved_comment_is_stored_pending(self):
        response = self.client.post(self.post_url, solved(self.page()))
        self.assertEqual(response.status_code, 302)
        comment = Comment.objects.get()
        self.assertEqual(comment.status, Comment.Status.PENDING)
        self.assertEqual(comment.email, "ada@example.org")
