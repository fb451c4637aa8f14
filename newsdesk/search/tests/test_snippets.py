from django.test import SimpleTestCase

from ..snippets import HIT_END, HIT_START, snippet_html


class SnippetHtmlTests(SimpleTestCase):
    def test_hits_are_marked_and_text_is_escaped(self):
        html = snippet_html(f"a <script> {HIT_START}kabul{HIT_END} & b")
        self.assertEqual(html, "a &lt;script&gt; <mark>kabul</mark> &amp; b")

    def test_unbalanced_marks_never_leave_a_tag_open(self):
        self.assertEqual(snippet_html(f"{HIT_START}open"), "<mark>open</mark>")
        self.assertEqual(snippet_html(f"close{HIT_END}"), "close")
