"""The text-capture parser, on the reference capture and on awkward captures in its format."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsdesk.ingest.parsers import (
    MAX_BYTES,
    Block,
    ParseError,
    blocks_to_html,
    parse_capture,
    parse_page,
)
from newsdesk.ingest.parsers.capture import looks_like_subheading

FIXTURES = Path(__file__).parent / "fixtures"
FURNITURE = (
    "KeyWords",
    "Comments",
    "Name:",
    "Email:",
    "Security Key",
    "Captcha refresh",
    "Page Generated",
)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def capture(body: str, *, header: str = "News ID: 1\nPublished: 1200 GMT May 5, 2023\n") -> bytes:
    return (header + body).encode("utf-8")


SIMPLE_BODY = "\nHeadline here\n\nHeadline here\n\nFirst paragraph of the story.\n"


class TestReferenceCapture:
    @pytest.fixture
    def page(self):
        return parse_capture(fixture("news-302156.txt"))

    def test_keeps_news_id_and_gmt_time(self, page):
        assert page.news_id == 302156
        assert page.published_at == datetime(2021, 4, 14, 1, 40, tzinfo=UTC)

    def test_headline_is_kept_once(self, page):
        assert page.headline == "US says NATO forces to leave together from Afghanistan"
        assert all(b.text != page.headline for b in page.blocks)

    def test_body_runs_from_first_to_last_paragraph(self, page):
        assert page.blocks[0] == Block("p", page.blocks[0].text)
        assert page.blocks[0].text.startswith("A coalition of NATO-led troops")
        assert page.blocks[-1].kind == "p"
        assert page.blocks[-1].text.startswith("Under a February 2020 deal")

    def test_short_unpunctuated_line_between_paragraphs_is_a_subheading(self, page):
        assert [b.text for b in page.blocks if b.kind == "h2"] == [
            "Taliban to boycott Turkey summit"
        ]

    def test_page_furniture_is_dropped(self, page):
        for block in page.blocks:
            for label in FURNITURE:
                assert label not in block.text

    def test_nbsp_only_lines_make_no_blocks(self, page):
        assert len(page.blocks) == 20
        assert all(b.text and b.text == b.text.strip() for b in page.blocks)
        assert all("\u00a0" not in b.text for b in page.blocks)

    def test_text_is_otherwise_exact(self, page):
        assert page.blocks[5].text.startswith(
            "The US, along with its NATO allies, invaded Afghanistan in October 2001. "
            "The invasion \u2014 which"
        )
        # The capture's unbalanced closing quote stays as it is.
        assert "that we very much hope\u201d the Taliban will attend." in page.blocks[-2].text

    def test_empty_keywords_block_gives_no_keywords(self, page):
        assert page.keywords == []

    def test_no_author_or_language_in_captures(self, page):
        assert page.author is None
        assert page.language is None

    def test_windows_line_endings_and_bom_parse_the_same(self, page):
        data = b"\xef\xbb\xbf" + fixture("news-302156.txt").replace(b"\n", b"\r\n")
        assert parse_capture(data) == page


class TestAwkwardCapture:
    @pytest.fixture
    def page(self):
        return parse_capture(fixture("capture-persian-keywords.txt"))

    def test_non_latin_headline_is_kept_exactly(self, page):
        # U+200C (zero-width non-joiner) is part of Persian spelling, not whitespace.
        assert page.headline == "تهران میزبان نشست منطقه\u200cای شد"

    def test_midnight_gmt_is_a_valid_time(self, page):
        assert page.news_id == 123456
        assert page.published_at == datetime(2022, 1, 1, 0, 0, tzinfo=UTC)

    def test_trailing_spaces_and_nbsp_are_stripped(self, page):
        assert page.blocks[0].text == (
            "Foreign ministers from six countries met in Tehran on Saturday to discuss "
            "regional trade."
        )

    def test_curly_and_unbalanced_quotes_are_kept(self, page):
        assert page.blocks[1].text == (
            "\u201cWe are ready to work together,\u201d the host said, adding that talks "
            "would continue."
        )
        assert page.blocks[2].text == (
            "He said the \u201cnew chapter begins now, and a diplomat called it \u2018historic."
        )

    def test_markup_like_text_stays_literal_text(self, page):
        text = "Officials wrote <script>alert(1)</script> &amp; <b>bold</b> on the whiteboard"
        assert page.blocks[3] == Block("p", text + " as a joke.")

    def test_markup_like_text_is_escaped_in_html(self, page):
        html = blocks_to_html(page.blocks)
        assert "<script>" not in html
        assert "<b>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; &lt;b&gt;bold&lt;/b&gt;" in html

    def test_subheading_may_follow_an_nbsp_separator(self, page):
        assert page.blocks[4] == Block("h2", "Trade routes on the agenda")

    def test_non_latin_question_is_a_paragraph(self, page):
        assert Block("p", "آیا این نشست موفق بود؟") in page.blocks

    def test_short_last_line_is_a_paragraph_not_a_heading(self, page):
        assert page.blocks[-1] == Block("p", "Reporting by Staff")

    def test_keywords_comma_separated_and_one_per_line(self, page):
        assert page.keywords == ["Iran", "trade", "diplomacy", "Tehran"]

    def test_furniture_after_keywords_is_dropped(self, page):
        for block in page.blocks:
            for label in FURNITURE:
                assert label not in block.text


class TestCaptureWithoutKeywords:
    @pytest.fixture
    def page(self):
        return parse_capture(fixture("capture-no-keywords.txt"))

    def test_headline_repeat_without_blank_lines_is_dropped(self, page):
        assert page.headline == "US economy adds jobs in February"
        assert page.headline not in [b.text for b in page.blocks]

    def test_time_late_in_the_day(self, page):
        assert page.published_at == datetime(2020, 2, 28, 23, 59, tzinfo=UTC)

    def test_every_line_is_a_block_and_only_lone_lines_are_headings(self, page):
        assert page.blocks == [
            Block("p", "WASHINGTON"),
            Block(
                "p",
                "The US economy added 273,000 jobs in February, the Labor Department said "
                "on Friday.",
            ),
            Block("h2", "Markets and the Fed"),
            Block("p", "Stocks rose after the report."),
            Block("p", "Unemployment fell to 3.5 percent."),
            Block("p", "Wages grew at an annual rate of 3 percent."),
            Block("h2", "What comes next"),
            Block("p", "Analysts now watch March"),
        ]

    def test_comment_form_without_keywords_label_is_dropped(self, page):
        assert page.keywords == []
        assert all(b.text not in ("Comments", "Comment", "Name:") for b in page.blocks)


class TestSubheadingRule:
    @pytest.mark.parametrize(
        "line",
        [
            "Taliban to boycott Turkey summit",
            "Trade routes on the agenda",
            "What next for Kabul",
            "واکنش‌ها به توافق",
        ],
    )
    def test_short_titles_look_like_subheadings(self, line):
        assert looks_like_subheading(line)

    @pytest.mark.parametrize(
        "line",
        [
            "Stocks rose.",
            "He said:",
            "Is it over?",
            "\u201cWe will go together\u201d",
            '"Never again"',
            "'Quoted line",
            "\u2014 Reuters",
            "2021",
            "One two three four five six seven eight nine ten eleven twelve thirteen",
            "آیا این نشست موفق بود؟",
        ],
    )
    def test_sentences_quotes_and_long_lines_do_not(self, line):
        assert not looks_like_subheading(line)

    def test_heading_followed_by_heading_is_demoted(self):
        page = parse_capture(
            capture(SIMPLE_BODY + "\nFirst section\n\nSecond section\n\nMore text here.\n")
        )
        assert [b.kind for b in page.blocks] == ["p", "p", "h2", "p"]

    def test_short_line_right_after_the_headline_is_a_paragraph(self):
        page = parse_capture(capture("\nHeadline\n\nTEHRAN\n\nThe story starts here.\n"))
        assert page.blocks == [Block("p", "TEHRAN"), Block("p", "The story starts here.")]


class TestCaptureErrors:
    def test_missing_news_id(self):
        with pytest.raises(ParseError, match="no 'News ID:' line"):
            parse_capture(capture(SIMPLE_BODY, header="Published: 0140 GMT April 14, 2021\n"))

    def test_news_id_that_is_not_a_number(self):
        with pytest.raises(ParseError, match="'News ID:' is not a whole number"):
            header = "News ID: abc\nPublished: 0140 GMT April 14, 2021\n"
            parse_capture(capture(SIMPLE_BODY, header=header))

    def test_missing_published_line(self):
        with pytest.raises(ParseError, match="no 'Published:' line"):
            parse_capture(capture(SIMPLE_BODY, header="News ID: 5\n"))

    @pytest.mark.parametrize(
        "value",
        [
            "140 GMT April 14, 2021",
            "0140 UTC April 14, 2021",
            "0140 GMT Avril 14, 2021",
            "April 14, 2021",
            "0140 GMT 14 April 2021",
            "",
        ],
    )
    def test_time_in_another_form(self, value):
        header = f"News ID: 5\nPublished: {value}\n"
        with pytest.raises(ParseError, match="not in the form 0140 GMT April 14, 2021"):
            parse_capture(capture(SIMPLE_BODY, header=header))

    @pytest.mark.parametrize(
        "value", ["2400 GMT April 14, 2021", "0160 GMT April 14, 2021", "0140 GMT April 31, 2021"]
    )
    def test_impossible_time(self, value):
        header = f"News ID: 5\nPublished: {value}\n"
        with pytest.raises(ParseError, match="not a real date and time"):
            parse_capture(capture(SIMPLE_BODY, header=header))

    @pytest.mark.parametrize("data", [b"", b"   \n\n", "\u00a0\n".encode()])
    def test_empty_file(self, data):
        with pytest.raises(ParseError, match="empty"):
            parse_capture(data)

    def test_binary_junk(self):
        junk = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\xff\xd8\xff\xe0"
        with pytest.raises(ParseError, match="not UTF-8 text"):
            parse_capture(junk)

    def test_control_characters_in_valid_utf8(self):
        with pytest.raises(ParseError, match="binary control characters"):
            parse_capture(capture(SIMPLE_BODY + "\x00\x01\x02"))

    def test_other_encodings_are_refused_not_guessed(self):
        data = "News ID: 5\nPublished: 0140 GMT April 14, 2021\n\nCafé rouvre\n\nTexte.\n"
        with pytest.raises(ParseError, match="not UTF-8 text"):
            parse_capture(data.encode("iso-8859-1"))

    def test_file_over_the_size_limit(self):
        data = capture(SIMPLE_BODY + "x" * MAX_BYTES)
        with pytest.raises(ParseError, match="larger than 5 MB"):
            parse_capture(data)

    def test_header_only(self):
        with pytest.raises(ParseError, match="no headline"):
            parse_capture(capture("\n\u00a0\n"))

    def test_headline_without_text(self):
        with pytest.raises(ParseError, match="no article text"):
            parse_capture(capture("\nHeadline\n\nHeadline\n\nKeyWords\nfoo\nComments\n"))

    def test_errors_are_value_errors_with_a_message_for_the_user(self):
        with pytest.raises(ValueError) as excinfo:
            parse_capture(b"hello")
        assert "Traceback" not in str(excinfo.value)
        assert str(excinfo.value).endswith(("?", "."))


class TestBlocksToHtml:
    def test_every_character_is_escaped(self):
        html = blocks_to_html(
            [Block("h2", "A & B <i>"), Block("p", "\"quoted\" 'single' <script>x</script>")]
        )
        assert html == (
            "<h2>A &amp; B &lt;i&gt;</h2>\n"
            "<p>&quot;quoted&quot; &#x27;single&#x27; &lt;script&gt;x&lt;/script&gt;</p>"
        )

    def test_no_blocks_is_empty(self):
        assert blocks_to_html([]) == ""


class TestParsePageDispatch:
    def test_text_file_is_a_capture(self):
        page = parse_page(fixture("news-302156.txt"), filename="news-302156.txt")
        assert page.news_id == 302156

    @pytest.mark.parametrize(
        "prefix", [b"<!DOCTYPE html>", b"\xef\xbb\xbf  <html>", b"<html lang=en>"]
    )
    def test_html_by_content_whatever_the_name(self, prefix):
        body = (
            b"<head><title>Storm warning issued</title></head><body><article>"
            b"<h1>Storm warning issued</h1><p>"
            + b"Forecasters issued a storm warning for the coast on Monday. " * 5
            + b"</p></article></body></html>"
        )
        page = parse_page(prefix + body, filename="capture.txt")
        assert page.headline == "Storm warning issued"
        assert page.news_id is None

    def test_html_by_name(self):
        with pytest.raises(ParseError, match="HTML"):
            parse_page(b"News ID: 1\nnot really html", filename="Page.HTM")
