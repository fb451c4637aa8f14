"""NewsML-G2 (issue 16, section 3): the parser on fixture files, then what the store and the
desk make of versions, withdrawals, embargoes and subjects."""

from datetime import UTC, datetime

import pytest
from django.test import TestCase

from newsdesk.ingest.desk import DraftRefused, story_draft_create
from newsdesk.ingest.models import Story, WireItem
from newsdesk.ingest.parsers.capture import ParseError
from newsdesk.ingest.parsers.newsml import parse_newsml
from newsdesk.ingest.parsers.ninjs import parse_ninjs
from newsdesk.ingest.parsers.wire import parse_download, parse_file
from newsdesk.ingest.store import Outcome, wire_item_store, wire_items_store

from .factories import SourceFactory
from .server import FIXTURES

WIRE = FIXTURES / "wire"


def read(name: str) -> bytes:
    return (WIRE / name).read_bytes()


def test_a_news_item_with_nitf_body_subjects_located_version_and_embargo():
    (item,) = parse_newsml(read("newsml-nitf.xml"))
    assert item.guid == "urn:newsml:agency-three.example:20240312:flood-warning"
    assert item.title == "Flood warning issued for the Thames as rain continues"
    assert item.version == 2 and item.withdrawn is False
    assert item.embargo_until == datetime(2024, 3, 12, 12, 0, tzinfo=UTC)
    assert item.published_at == datetime(2024, 3, 12, 6, 55, tzinfo=UTC)  # contentCreated
    assert item.keywords == ("environment", "flood", "Thames")  # a bare qcode is no keyword
    assert item.located == "London"
    assert item.author == "By Priya Shah, Agency Three"
    assert item.language == "en-GB"
    assert item.url == "https://agency-three.example/news/flood-warning"
    paragraphs = item.text.split("\n\n")
    assert paragraphs[0].startswith("LONDON (Agency Three) - The Environment Agency")
    assert paragraphs[1] == "Homes at risk"
    assert "<h2>Homes at risk</h2>" in item.html  # NITF's hl2 is a sub-heading
    assert "<em>2,000</em>" in item.html
    assert "media" not in item.html and "nitf" not in item.html
    assert "Flood warning issued for the Thames</h" not in item.html  # hedline is not body


def test_a_canceled_item_is_withdrawn():
    (item,) = parse_newsml(read("newsml-canceled.xml"))
    assert item.withdrawn is True and item.version == 3 and item.text == ""


def test_a_news_message_gives_its_package_and_items_with_xhtml_and_plain_bodies():
    package, main, react = parse_newsml(read("newsml-message.xml"))
    assert package.title == "Budget day: the package"
    assert package.text.split("\n\n") == [
        "Chancellor cuts fuel duty in spring budget — The main story, 600 words",
        "Business groups welcome the budget",
    ]
    assert "<h2>What changes</h2>" in main.html and "<li>Fuel duty down 5p</li>" in main.html
    assert main.keywords == ("economy, business and finance",)
    assert react.text == (
        "Business groups welcomed the budget.\n\nThey said the fuel duty cut would help hauliers."
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"<rss version='2.0'><channel/></rss>", "not a NewsML-G2 item"),
        (b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/"><itemMeta/>', "not well-formed"),
        (
            b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" version="1"/>',
            "has no guid",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE n [<!ENTITY a "aaaa">]>'
            b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="x">&a;</newsItem>',
            "entit",
        ),
    ],
)
def test_broken_or_hostile_documents_are_refused_with_a_reason(data, message):
    with pytest.raises(ParseError, match=message):
        parse_newsml(data)


def test_drop_folders_and_downloads_recognise_newsml_among_xml_files():
    assert parse_file(read("newsml-nitf.xml"), filename="a.xml")[0].version == 2
    (entry,) = parse_download(
        read("newsml-nitf.xml"),
        content_type="application/vnd.iptc.g2.newsitem+xml",
        url="https://agency-three.example/items/1",
        expect="feed",
    )
    assert entry.located == "London"
    # RSS files are still feeds.
    assert parse_file(read("reuters.rss"), filename="r.xml")[0].guid == "wire-one-2041"


def test_ninjs_subjects_status_and_embargo_are_read_too():
    (item,) = parse_ninjs(
        b'{"uri": "urn:x:1", "type": "text", "headline": "H", "body_text": "Body.",'
        b' "version": "4", "pubstatus": "canceled", "embargoed": "2024-05-01T10:00:00Z",'
        b' "located": "Paris", "subject": [{"name": "politics", "code": "x"}, {"code": "y"}],'
        b' "keywords": ["elections"]}'
    )
    assert item.withdrawn and item.version == 4 and item.located == "Paris"
    assert item.keywords == ("politics", "elections")
    assert item.embargo_until == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


class NewsmlStoreAndDeskTests(TestCase):
    def setUp(self):
        self.source = SourceFactory(name="Agency Three", credit="Agency Three")

    def store(self, name: str):
        return wire_items_store(source=self.source, entries=parse_newsml(read(name)))

    def test_subjects_located_version_and_embargo_are_kept_on_the_item(self):
        ((item, outcome),) = self.store("newsml-nitf.xml")
        item.refresh_from_db()
        assert outcome == Outcome.CREATED
        assert item.keywords == ["environment", "flood", "Thames"]
        assert item.located == "London" and item.source_version == 2
        assert item.embargo_until == datetime(2024, 3, 12, 12, 0, tzinfo=UTC)
        assert "<h2>Homes at risk</h2>" in item.body_html and "script" not in item.body_html

    def test_the_draft_takes_the_embargo_and_the_subjects_as_keywords(self):
        self.store("newsml-nitf.xml")
        article = story_draft_create(story=Story.objects.get(), by=None)
        assert article.embargo_until == datetime(2024, 3, 12, 12, 0, tzinfo=UTC)
        assert set(article.keywords.values_list("name", flat=True)) == {
            "environment",
            "flood",
            "Thames",
        }

    def test_canceled_withdraws_the_item_which_keeps_its_text_and_gives_no_draft(self):
        self.store("newsml-nitf.xml")
        ((item, outcome),) = self.store("newsml-canceled.xml")
        item.refresh_from_db()
        assert outcome == Outcome.UPDATED
        assert item.withdrawn is True and item.source_version == 3
        assert item.text.startswith("LONDON (Agency Three)")  # what was withdrawn stays legible
        with pytest.raises(DraftRefused, match="withdrawn"):
            story_draft_create(story=Story.objects.get(), by=None)

    def test_an_older_version_arriving_late_does_not_replace_a_newer_one(self):
        self.store("newsml-canceled.xml")  # version 3
        ((item, outcome),) = self.store("newsml-nitf.xml")  # version 2, sent again late
        assert outcome == Outcome.SKIPPED
        assert WireItem.objects.get().withdrawn is True

    def test_items_without_these_fields_keep_their_earlier_digest(self):
        (entry,) = parse_file(read("reuters.rss"), filename="r.xml")[:1]
        item, _ = wire_item_store(source=self.source, entry=entry)
        again, outcome = wire_item_store(source=self.source, entry=entry)
        assert outcome == Outcome.SKIPPED and again.keywords == [] and not again.withdrawn
