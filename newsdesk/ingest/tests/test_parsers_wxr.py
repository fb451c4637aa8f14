import io
import itertools
import os
import tracemalloc
from datetime import UTC, datetime

import pytest

from newsdesk.ingest.parsers.capture import ParseError
from newsdesk.ingest.parsers.wpcontent import permalinks, strip_shortcodes, wordpress_html, wpautop
from newsdesk.ingest.parsers.wxr import WxrAuthor, WxrItem, WxrProblem, WxrSite, WxrTerm, read_wxr

from .server import FIXTURES

EXPORT = FIXTURES / "wordpress" / "export.xml"


def records():
    with EXPORT.open("rb") as stream:
        return list(read_wxr(stream))


def items():
    return {r.post_id: r for r in records() if isinstance(r, WxrItem)}


def test_channel_authors_terms_and_site_come_before_the_items():
    found = records()
    assert found[0] == WxrAuthor(login="mgarcia", display_name="María García")
    assert WxrAuthor(login="tom", display_name="Tom O'Neill") in found
    assert WxrTerm(kind="category", slug="local-politics", name="Local Politics") in found
    site = next(r for r in found if isinstance(r, WxrSite))
    assert site.base_blog_url == "https://courier.example.org"
    assert found.index(site) < min(found.index(r) for r in found if isinstance(r, WxrItem))


def test_post_fields_status_dates_slug_sticky_terms_and_featured_picture():
    post = items()[101]
    assert post.title == "Council passes the 2024 budget & a new bridge"
    assert post.status == "publish"
    assert post.date_gmt == datetime(2024, 1, 12, 17, 30, tzinfo=UTC)
    assert post.date_local == datetime(2024, 1, 12, 9, 30)
    assert post.slug == "council-passes-budget"
    assert post.sticky is True
    assert post.creator == "mgarcia"
    assert [(t.kind, t.name) for t in post.terms] == [
        ("category", "Local Politics"),
        ("post_tag", "Budget"),
        ("post_tag", "Bridges"),
    ]
    assert post.thumbnail_id == 201
    assert items()[102].sticky is False


def test_comments_keep_their_state_parent_email_and_address_as_text():
    first, reply, nested, spam, ping = items()[101].comments
    assert (first.comment_id, first.parent_id, first.approved) == (11, 0, "1")
    assert first.text == "Finally a bridge!"
    assert first.email == "Ann@Example.com"
    assert first.ip == "203.0.113.7"
    assert first.date == datetime(2024, 1, 12, 18, 0, tzinfo=UTC)
    assert (reply.parent_id, nested.parent_id, nested.approved) == (11, 12, "0")
    assert spam.approved == "spam"
    assert ping.kind == "pingback"


def test_undated_draft_has_no_time_and_a_percent_encoded_slug_is_decoded():
    found = items()
    assert found[103].date_gmt is None
    assert found[103].slug == ""
    assert found[106].slug == "ünïcode-slug"


def test_an_item_with_a_broken_date_is_a_problem_with_its_line_and_the_rest_is_read():
    found = records()
    problem = next(r for r in found if isinstance(r, WxrProblem))
    assert problem.post_id == 104
    assert "post_date" in problem.message and "yesterday-ish" in problem.message
    assert problem.line > 100
    assert 106 in items()  # read after the broken one


def test_gutenberg_blocks_shortcodes_and_classic_paragraphs_become_html():
    html = wordpress_html(items()[101].content)
    assert "wp:paragraph" not in html
    assert "<h2" in html and "What the money buys" in html
    assert "<figure><img" in html
    assert "<figcaption>The old bridge, closed since March.</figcaption></figure>" in html
    assert "contact-form" not in html and "[vc_" not in html
    assert "Inside a page builder." in html
    assert '<a href="https://www.youtube.com/watch?v=abc123">' in html
    # Brackets that are no shortcode of WordPress's stay text.
    assert "a good day [sic] for the valley" in html
    classic = wordpress_html(items()[102].content)
    assert classic.startswith("<p>First paragraph of the classic post.</p>")
    assert "<p>Second paragraph,<br>\nwith a line break.</p>" in classic
    assert "<blockquote>A quoted line.</blockquote>" in classic


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[[caption]] is how you write it", "[caption] is how you write it"),
        (
            "[youtube https://youtu.be/x1]",
            '<p><a href="https://youtu.be/x1">https://youtu.be/x1</a></p>',
        ),
        ("[gallery ids='1,2,3']after", "after"),
        ("[embed]javascript:alert(1)[/embed]", ""),
        ("[et_pb_section][et_pb_text]Divi text[/et_pb_text][/et_pb_section]", "Divi text"),
        ("Footnote [1] and [citation needed]", "Footnote [1] and [citation needed]"),
    ],
)
def test_shortcodes(content, expected):
    assert strip_shortcodes(content) == expected


def test_wpautop_leaves_blocks_and_wraps_loose_text():
    assert wpautop("one\n\n<h3>Two</h3>\n\nthree") == "<p>one</p>\n<h3>Two</h3>\n<p>three</p>"
    assert wpautop("  \n ") == ""


def test_permalinks_cover_the_post_link_p_id_and_the_usual_structures():
    post = items()[101]
    paths = permalinks(post, blog_url="https://courier.example.org")
    assert "/?p=101" in paths
    assert "/2024/01/12/council-passes-budget/" in paths  # its own link
    assert "/2024/01/council-passes-budget/" in paths
    assert "/council-passes-budget/" in paths
    assert "/archives/101" in paths
    in_folder = permalinks(post, blog_url="https://example.org/blog")
    assert "/blog/?p=101" in in_folder and "/blog/council-passes-budget/" in in_folder


def _export(body: bytes) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        b'xmlns:wp="http://wordpress.org/export/1.2/" '
        b'xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        b"<channel><title>T</title><link>https://t.example</link>" + body + b"</channel></rss>"
    )


def _item(n: int, text: bytes = b"Some text.") -> bytes:
    return (
        b"<item><title>Post %d</title><content:encoded><![CDATA[<p>%s</p>]]></content:encoded>"
        b"<wp:post_id>%d</wp:post_id><wp:post_date>2024-01-01 00:00:00</wp:post_date>"
        b"<wp:status>publish</wp:status><wp:post_type>post</wp:post_type></item>"
    ) % (n, text, n)


def test_a_file_that_breaks_off_is_an_error_naming_the_line_after_what_was_read():
    data = _export(_item(1) + _item(2))[:-10]  # cut in the closing tags
    read = []
    with pytest.raises(ParseError, match="not well-formed XML at line"):
        for record in read_wxr(io.BytesIO(data)):
            read.append(record)
    assert [r.post_id for r in read if isinstance(r, WxrItem)] == [1, 2]


def test_not_an_export_is_refused():
    with pytest.raises(ParseError, match="not a WordPress export"):
        list(read_wxr(io.BytesIO(b"<html><body>hi</body></html>")))
    with pytest.raises(ParseError, match="not well-formed"):
        list(read_wxr(io.BytesIO(b"\x00\x01 not xml")))


def test_entities_are_never_expanded_nor_fetched(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    doctype = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
        b'<!ENTITY x SYSTEM "file://' + str(secret).encode() + b'">]>\n'
    )
    body = _export(_item(1, b"&c; &x;")).split(b"\n", 1)[1]
    found = [r for r in read_wxr(io.BytesIO(doctype + body)) if isinstance(r, WxrItem)]
    assert len(found) == 1
    assert "TOP SECRET" not in found[0].content
    assert "aaaaaaaaaa" * 10 not in found[0].content


def test_a_huge_export_is_read_in_bounded_memory():
    """About 40 MB of posts: what is held at once stays a small multiple of one post."""
    paragraph = b"Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 70  # ~4 kB
    count = 10_000

    class Generated(io.RawIOBase):
        """The export made on the fly, so the test holds no copy of it either."""

        def __init__(self):
            self.parts = itertools.chain(
                [_export(b"")[: -len(b"</channel></rss>")]],
                (_item(n, paragraph) for n in range(1, count + 1)),
                [b"</channel></rss>"],
            )
            self.pending = b""

        def readable(self):
            return True

        def readinto(self, buffer):
            while not self.pending:
                chunk = next(self.parts, None)
                if chunk is None:
                    return 0
                self.pending = chunk
            n = min(len(buffer), len(self.pending))
            buffer[:n], self.pending = self.pending[:n], self.pending[n:]
            return n

    # Python's own allocations (tracemalloc) and, for the parsed tree that libxml2 keeps in C
    # memory where tracemalloc does not look, the growth of the resident set.
    start_rss = _resident()
    grown = 0
    tracemalloc.start()
    try:
        seen = 0
        total = 0
        for record in read_wxr(io.BufferedReader(Generated(), 64 * 1024)):
            if isinstance(record, WxrItem):
                seen += 1
                total += len(record.content)
                if seen % 500 == 0:
                    grown = max(grown, _resident() - start_rss)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == count
    assert total > 39_000_000
    assert peak < 2_000_000, f"Python peak {peak} bytes while reading {total} bytes of posts"
    assert grown < 20_000_000, f"resident set grew {grown} bytes reading {total} bytes of posts"


def _resident() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
