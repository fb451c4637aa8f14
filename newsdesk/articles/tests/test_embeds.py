from django.test import SimpleTestCase, TestCase

from newsdesk.articles.embeds import embeds_render
from newsdesk.articles.tests.factories import ArticleFactory
from newsdesk.core.html import sanitize_html


class EmbedTests(SimpleTestCase):
    def test_a_youtube_link_alone_on_a_line_becomes_a_privacy_friendly_player(self):
        body = sanitize_html(
            '<p><a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">Harbour storm</a></p>'
        )
        html = embeds_render(body)
        self.assertIn('<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"', html)
        self.assertIn('title="Harbour storm"', html)
        self.assertIn("sandbox=", html)

    def test_vimeo_is_allowed_too(self):
        html = embeds_render(sanitize_html('<p><a href="https://vimeo.com/76979871">Ferry</a></p>'))
        self.assertIn("https://player.vimeo.com/video/76979871", html)

    def test_other_sites_and_links_inside_text_stay_links(self):
        for body in (
            '<p><a href="https://example.org/video">Video</a></p>',
            '<p>See <a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">this</a> now.</p>',
        ):
            clean = sanitize_html(body)
            self.assertEqual(embeds_render(clean), clean)

    def test_text_of_the_link_cannot_add_attributes_to_the_player(self):
        body = sanitize_html(
            '<p><a href="https://youtu.be/dQw4w9WgXcQ">x" onload="alert(1)</a></p>'
        )
        iframe = embeds_render(body).split("<iframe", 1)[1].split(">", 1)[0]
        self.assertNotIn('onload="', iframe)
        self.assertIn('title="x&quot; onload=&quot;alert(1)"', iframe)


class EmbedOnPageTests(TestCase):
    def test_article_page_shows_the_player_and_csp_allows_only_known_frames(self):
        article = ArticleFactory(body='<p><a href="https://youtu.be/dQw4w9WgXcQ">Storm</a></p>')
        page = self.client.get(article.get_absolute_url())
        self.assertContains(page, "youtube-nocookie.com/embed/dQw4w9WgXcQ")
        self.assertIn(
            "frame-src 'self' https://www.youtube-nocookie.com https://player.vimeo.com",
            page["Content-Security-Policy"],
        )
