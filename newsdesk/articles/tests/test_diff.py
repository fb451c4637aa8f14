"""The revision diff: words marked, text as readers read it, nothing of the markup left."""

import html

from django.test import SimpleTestCase
from django.utils.html import strip_tags

from newsdesk.articles.diff import revisions_diff

LONG = (
    "The harbour council voted on Tuesday to rebuild the northern breakwater before the winter "
    "storms, after fishermen said it had cracked in two places"
)


def body_diff(old: str, new: str) -> str:
    [diff] = revisions_diff({"body": old}, {"body": new}, old_label="Old", new_label="New")
    assert diff.label == "Body"
    return str(diff.table)


class RevisionDiffTests(SimpleTestCase):
    def test_only_the_changed_word_is_marked_on_each_side(self):
        table = body_diff(f"<p>{LONG}.</p>", f"<p>{LONG.replace('Tuesday', 'Wednesday')}.</p>")
        self.assertIn("<del>Tuesday</del>", table)
        self.assertIn("<ins>Wednesday</ins>", table)
        self.assertEqual(table.count("<del>"), 1)
        self.assertEqual(table.count("<ins>"), 1)

    def test_entities_become_their_characters_and_no_markup_is_left(self):
        table = body_diff(
            "<p>Fish&nbsp;&amp;&nbsp;chips on <strong>Friday</strong></p>",
            "<p>Fish&nbsp;&amp;&nbsp;chips on <em>Saturday</em></p>",
        )
        self.assertNotIn("nbsp", table)
        self.assertNotIn("&amp;amp;", table)
        self.assertNotIn("strong", table)
        self.assertNotIn("<em>", table)
        text = html.unescape(strip_tags(table))
        self.assertIn("Fish & chips on Friday", text)
        self.assertIn("Fish & chips on Saturday", text)

    def test_words_are_never_cut_the_browser_wraps_between_them(self):
        table = body_diff(f"<p>{LONG}.</p>", f"<p>{LONG} and more.</p>")
        text = html.unescape(strip_tags(table))
        for word in LONG.split():
            self.assertIn(f" {word} ", f" {text} ".replace(".", " "))
        self.assertNotIn("<br", table)
        self.assertIn('class="revision-diff"', table)  # admin.css: wraps at spaces only

    def test_untrusted_text_is_escaped(self):
        [diff] = revisions_diff(
            {"headline": "Council votes"},
            {"headline": "<script>alert(1)</script> votes"},
            old_label="Old",
            new_label="New",
        )
        self.assertNotIn("<script>", str(diff.table))
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", str(diff.table))

    def test_unchanged_paragraphs_between_changes_are_counted_not_shown(self):
        same = [f"<p>Paragraph {n} stays as it was.</p>" for n in range(1, 6)]
        table = body_diff(
            "<p>Opening line.</p>" + "".join(same) + "<p>Closing line.</p>",
            "<p>Opening words.</p>" + "".join(same) + "<p>Closing words.</p>",
        )
        self.assertIn("Paragraph 1 stays", table)  # context after the first change
        self.assertIn("Paragraph 5 stays", table)  # and before the next
        self.assertIn("3 unchanged paragraphs", table)
        self.assertNotIn("Paragraph 3 stays", table)

    def test_a_paragraph_added_or_removed_is_marked_whole(self):
        table = body_diff(
            "<p>First.</p><p>Gone now.</p>", "<p>First.</p><p>Brand new.</p><p>More.</p>"
        )
        self.assertIn("<del>Gone now.</del>", table)
        self.assertIn("<ins>Brand new.</ins>", table)
        self.assertIn("<ins>More.</ins>", table)
