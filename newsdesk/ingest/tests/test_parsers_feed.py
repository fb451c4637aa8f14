from datetime import UTC, datetime

import pytest

from newsdesk.ingest.parsers.capture import ParseError
from newsdesk.ingest.parsers.entry import html_to_text, make_guid
from newsdesk.ingest.parsers.feed import parse_feed
from newsdesk.ingest.parsers.ninjs import parse_ninjs
from newsdesk.ingest.parsers.wire import parse_download, parse_file

from .server import FIXTURES

WIRE = FIXTURES / "wire"


def read(name: str) -> bytes:
    return (WIRE / name).read_bytes()


def test_rss_items_have_guid_address_title_text_time_author_and_language():
    first, second, third = parse_feed(read("reuters.rss"))
    assert first.guid == "wire-one-2041"
    assert first.url == "https://wire-one.example/world/danube-floods"
    assert first.title == "Flooding forces thousands from homes along the Danube"
    assert first.published_at == datetime(2021, 4, 13, 22, 10, tzinfo=UTC)
    assert first.author == "Mara Lind"
    assert first.language == "en"
    assert first.text.split("\n\n")[2] == "Dams at capacity"
    assert "alert" not in first.text
    assert third.guid == "https://wire-one.example/sport/marathon-record"
    assert second.text.startswith("The central bank left")


def test_atom_entries_are_read_with_escaped_html_content():
    first, second = parse_feed(read("afp.atom"))
    assert first.guid == "urn:agence-two:item:77031"
    assert first.title == "Thousands flee homes as Danube floods"
    assert first.text.count("\n\n") == 2
    assert first.author == "Agence Two staff"
    assert second.text.startswith("The probe, launched two years ago")


def test_a_billion_laughs_feed_is_refused_before_expansion():
    with pytest.raises(ParseError, match="declares XML entities"):
        parse_feed(read("bomb.xml"))


def test_external_entities_are_refused():
    with pytest.raises(ParseError, match="XML entities"):
        parse_feed(read("xxe.xml"))


def test_a_truncated_feed_is_an_error_not_an_empty_feed():
    with pytest.raises(ParseError, match="not well-formed"):
        parse_feed(read("truncated.xml"))


def test_an_html_page_is_not_a_feed():
    with pytest.raises(ParseError):
        parse_feed(b"<html><body><p>Hello</p></body></html>")


def test_an_empty_but_valid_feed_has_no_entries():
    assert (
        parse_feed(
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
        )
        == []
    )


def test_ninjs_1_item():
    (item,) = parse_ninjs(read("item.ninjs.json"))
    assert item.guid == "urn:newsml:wire-three.example:20210414:8812"
    assert item.title == "Rail strike halts trains across the north"
    assert item.url == "https://wire-three.example/8812"
    assert item.published_at == datetime(2021, 4, 14, 2, 0, tzinfo=UTC)
    assert item.author == "Jon Okafor"
    assert item.text.split("\n\n")[1].startswith("The union said the stoppage would last 48")


def test_ninjs_2_items_in_a_list_and_pictures_are_skipped():
    data = b"""[{"uri": "urn:x:1", "type": "picture"},
      {"uri": "urn:x:2", "headlines": [{"role": "main", "value": "Two"}],
       "bodies": [{"role": "main", "contenttype": "text/plain",
                   "value": "Para one.\\n\\nPara two."}],
       "bylines": [{"byline": "A. Writer"}], "versioncreated": "2021-04-14T02:15:00+02:00"}]"""
    (item,) = parse_ninjs(data)
    assert (item.guid, item.title, item.text, item.author) == (
        "urn:x:2",
        "Two",
        "Para one.\n\nPara two.",
        "A. Writer",
    )
    assert item.published_at == datetime(2021, 4, 14, 0, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    "data, message",
    [
        (b'{"uri": "x", "headline": ', "not valid JSON"),
        (b'{"headline": "h", "body_text": "b"}', "no 'uri'"),
        (b'{"uri": "u", "headline": "h"}', "no headline or no body"),
        (b"[1, 2]", "not a JSON object"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_bad_ninjs_is_a_clear_error(data, message):
    with pytest.raises(ParseError, match=message):
        parse_ninjs(data)


def test_drop_folder_files_are_read_by_their_ending():
    assert len(parse_file(read("reuters.rss"), filename="x.rss")) == 3
    assert len(parse_file(read("item.ninjs.json"), filename="x.json")) == 1
    (capture,) = parse_file((FIXTURES / "news-302156.txt").read_bytes(), filename="n.txt")
    assert capture.guid == "news-id:302156"
    assert "&lt;" not in capture.title
    (page,) = parse_file((FIXTURES / "article-furniture.html").read_bytes(), filename="p.html")
    assert page.text
    with pytest.raises(ParseError, match="not read"):
        parse_file(b"x", filename="notes.doc")


def test_downloads_are_read_by_content_type_then_by_content():
    assert (
        len(
            parse_download(
                read("afp.atom"), content_type="application/atom+xml", url="https://a.example/f"
            )
        )
        == 2
    )
    assert (
        len(
            parse_download(
                read("reuters.rss"), content_type="text/plain", url="https://a.example/f"
            )
        )
        == 3
    )
    (page,) = parse_download(
        (FIXTURES / "article-furniture.html").read_bytes(),
        content_type="text/html",
        url="https://a.example/story",
    )
    assert page.url


def test_html_to_text_keeps_paragraphs_and_drops_scripts():
    html = "<div><p>One <b>bold</b>.</p><script>x()</script><ul><li>A</li><li>B</li></ul>tail</div>"
    assert html_to_text(html) == "One bold.\n\nA\n\nB\n\ntail"


def test_long_guids_become_digests():
    assert make_guid("x" * 1000).startswith("sha256:")
    assert make_guid(" short ") == "short"
