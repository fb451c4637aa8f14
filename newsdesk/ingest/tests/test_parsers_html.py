"""The HTML article parser: main text through trafilatura, blocks of plain text out."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsdesk.ingest.parsers import Block, ParseError, blocks_to_html, parse_html, parse_page

FIXTURES = Path(__file__).parent / "fixtures"
FURNITURE = (
    "Home",
    "Subscribe",
    "cookies",
    "Buy cheap watches",
    "Most read",
    "Celebrity chef",
    "Copyright",
    "Privacy policy",
    "Terms of use",
    "Example News",
    "News ID",
)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def page_html(body: str, head: str = "<title>Storm warning issued</title>") -> bytes:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>".encode()


LONG_PARAGRAPH = "Forecasters issued a storm warning for the coast on Monday evening. " * 4


class TestArticleWithFurniture:
    @pytest.fixture
    def page(self):
        return parse_html(fixture("article-furniture.html"), url="https://example.com/floods")

    def test_headline_is_the_title_without_site_name(self, page):
        assert page.headline == "Floods hit coastal towns"

    def test_published_time_is_converted_to_utc(self, page):
        # article:published_time is 05:10 at +03:30.
        assert page.published_at == datetime(2021, 4, 14, 1, 40, tzinfo=UTC)

    def test_news_id_is_read_from_the_page_text(self, page):
        assert page.news_id == 4242

    def test_author_keywords_and_language(self, page):
        assert page.author == "Jane Reporter"
        assert page.keywords == ["floods", "weather", "coast"]
        assert page.language == "en"

    def test_paragraphs_and_headings_survive_in_order(self, page):
        assert [b.kind for b in page.blocks] == ["p", "p", "h2", "p", "p"]
        assert page.blocks[0].text.startswith("Heavy rain caused severe flooding")
        assert page.blocks[2] == Block("h2", "Rescue efforts continue")
        assert page.blocks[1].text == (
            "Emergency services worked through the night to rescue people trapped in cars, "
            "houses & shops, and the army was called in to help."
        )

    def test_line_break_inside_a_paragraph_becomes_a_space(self, page):
        assert "weekend, with warnings" in page.blocks[-1].text

    def test_furniture_does_not_survive(self, page):
        for block in page.blocks:
            for text in FURNITURE:
                assert text not in block.text, (text, block)

    def test_scripts_never_reach_the_output(self, page):
        everything = " ".join([page.headline, *(b.text for b in page.blocks)])
        assert "SHOULD-NOT-APPEAR" not in everything
        assert "alert(1)" not in everything
        assert "alert(3)" not in everything

    def test_escaped_markup_in_the_article_is_literal_text(self, page):
        assert "chalked <script>alert(2)</script> on a wall" in page.blocks[3].text
        html = blocks_to_html(page.blocks)
        assert "<script>" not in html
        assert "chalked &lt;script&gt;alert(2)&lt;/script&gt; on a wall" in html

    def test_headline_is_not_repeated_as_a_block(self, page):
        assert page.headline not in [b.text for b in page.blocks]


class TestDeclaredCharsetArticle:
    @pytest.fixture
    def page(self):
        return parse_html(fixture("article-latin1.html"))

    def test_declared_charset_is_honoured(self, page):
        assert page.headline == "Le café du village rouvre ses portes"
        assert page.blocks[1].text.startswith(
            "« C'est un lieu de rencontre essentiel pour nous tous », explique Hélène"
        )

    def test_day_only_date_is_midnight_utc(self, page):
        assert page.published_at == datetime(2022, 3, 5, tzinfo=UTC)

    def test_page_without_news_id_gives_none(self, page):
        assert page.news_id is None

    def test_heading_and_paragraphs(self, page):
        assert [b.kind for b in page.blocks] == ["p", "p", "h2", "p"]
        assert page.blocks[2] == Block("h2", "Un nouveau gérant")
        assert page.language == "fr"

    def test_menu_and_footer_are_dropped(self, page):
        texts = " ".join(b.text for b in page.blocks)
        assert "Accueil" not in texts
        assert "Mentions légales" not in texts


class TestHtmlDetails:
    def test_news_id_from_meta(self):
        page = parse_html(
            page_html(
                f"<article><p>{LONG_PARAGRAPH}</p></article>",
                head='<title>Storm warning issued</title><meta name="news-id" content="99">',
            )
        )
        assert page.news_id == 99

    def test_news_id_inside_a_script_is_ignored(self):
        page = parse_html(
            page_html(
                f"<script>var s = 'News ID: 55';</script><article><p>{LONG_PARAGRAPH}</p></article>"
            )
        )
        assert page.news_id is None

    def test_naive_published_time_is_read_as_utc(self):
        head = (
            "<title>Storm warning issued</title>"
            '<meta property="article:published_time" content="2023-06-01T08:30:00">'
        )
        page = parse_html(page_html(f"<article><p>{LONG_PARAGRAPH}</p></article>", head=head))
        assert page.published_at == datetime(2023, 6, 1, 8, 30, tzinfo=UTC)

    def test_list_items_become_paragraphs(self):
        body = (
            f"<article><p>{LONG_PARAGRAPH}</p><ul><li>First measure announced today</li>"
            "<li>Second measure announced today</li></ul></article>"
        )
        page = parse_html(page_html(body))
        assert Block("p", "First measure announced today") in page.blocks
        assert Block("p", "Second measure announced today") in page.blocks

    def test_inline_markup_is_flattened_to_text(self):
        body = (
            "<article><p>Officials said the <b>storm</b> would <a href='/x'>reach</a> the "
            "coast <em>by night</em>, and people should stay at home until it passes.</p>"
            f"<p>{LONG_PARAGRAPH}</p></article>"
        )
        page = parse_html(page_html(body))
        assert page.blocks[0].text == (
            "Officials said the storm would reach the coast by night, and people should stay "
            "at home until it passes."
        )

    def test_page_without_text(self):
        with pytest.raises(ParseError, match="No article text"):
            parse_html(page_html("<nav><a href='/'>Home</a></nav>"))

    def test_binary_junk(self):
        with pytest.raises(ParseError, match="not an HTML page"):
            parse_html(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xd8")

    def test_undeclared_non_utf8_is_refused(self):
        with pytest.raises(ParseError, match="not UTF-8 text"):
            parse_html(page_html(LONG_PARAGRAPH).replace(b"Monday", b"Mond\xe9y"))

    def test_empty_file(self):
        with pytest.raises(ParseError, match="empty"):
            parse_html(b"")

    def test_parse_page_dispatches_by_name(self):
        page = parse_page(fixture("article-furniture.html"), filename="floods.html")
        assert page.headline == "Floods hit coastal towns"
