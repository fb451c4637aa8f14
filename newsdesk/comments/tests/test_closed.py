"""A comment sent just as comments close is refused, and the reader keeps their text."""

from newsdesk.comments.models import Comment, CommentSettings

from .factories import solved
from .test_posting import PostingTestCase


class ClosedWhileWritingTests(PostingTestCase):
    def test_refusal_shows_the_readers_text_escaped_to_copy(self):
        body = 'My view <script>alert("x")</script> & more'
        data = solved(self.page(), body=body)
        CommentSettings.objects.create(article=self.article, mode=CommentSettings.Mode.CLOSED)
        response = self.post(data)
        self.assertEqual(response.status_code, 403)
        html = response.content.decode()
        self.assertIn("Comments closed before yours was sent", html)
        self.assertIn(
            "My view &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more</textarea>", html
        )
        self.assertNotIn('id="comment-form"', html)
        self.assertFalse(Comment.objects.exists())

    def test_a_reader_just_looking_sees_no_copy_box(self):
        CommentSettings.objects.create(article=self.article, mode=CommentSettings.Mode.CLOSED)
        self.assertNotIn("kept-comment", self.page())
