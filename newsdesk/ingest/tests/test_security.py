"""Security regressions of the ingest app: a section per finding, each test failing before its fix.

Like Django's tests for its CVEs, this module grows with every finding; a section names the
finding (issue 12, red-team pass) and the rule it guards. docs/security.md refers to it.
"""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from newsdesk.ingest import fetch as fetch_module
from newsdesk.ingest import polling
from newsdesk.ingest.desk import story_draft_create
from newsdesk.ingest.fetch import FetchRefused, address_allowed, check_address, fetch
from newsdesk.ingest.models import Source, WireItem
from newsdesk.ingest.parsers import feed as feed_module
from newsdesk.ingest.parsers import screen as screen_module
from newsdesk.ingest.parsers.capture import ParseError
from newsdesk.ingest.parsers.feed import parse_feed
from newsdesk.ingest.store import Outcome, wire_item_store

from .factories import SourceFactory, entry
from .server import FIXTURES, WireServer

# --- issue 12, finding 1: SSRF through IPv6 forms that embed an IPv4 address ---------------------

# Each embeds (or is) an address inside the host or its network: the metadata service
# 169.254.169.254, 10.0.0.1, loopback.
EMBEDDED_PRIVATE = [
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "::127.0.0.1",  # IPv4-compatible
    "::a00:1",  # IPv4-compatible 10.0.0.1
    "::808:808",  # IPv4-compatible, even of a public address: a deprecated form
    "::ffff:0:a00:1",  # IPv4-translated 10.0.0.1
    "::ffff:0:a9fe:a9fe",  # IPv4-translated 169.254.169.254
    "::ffff:169.254.169.254",  # IPv4-mapped
    "fec0::1",  # site-local
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo (client 192.0.2.45)
    "64:ff9b:1::a00:1",  # local-use NAT64 prefix
    "fe80::1%eth0",  # link-local with a zone
]


@pytest.mark.parametrize("ip", EMBEDDED_PRIVATE)
def test_ipv6_forms_of_private_addresses_are_refused(ip):
    assert not address_allowed(ip)
    with pytest.raises(FetchRefused, match="administrator allows"):
        check_address(ip, allow_private=False)


def test_the_refusal_names_the_embedded_ipv4_address():
    with pytest.raises(FetchRefused, match=r"carries the IPv4 address 169\.254\.169\.254"):
        check_address("64:ff9b::a9fe:a9fe", allow_private=False)


@pytest.mark.parametrize(
    "ip",
    ["64:ff9b::808:808", "::ffff:8.8.8.8", "2002:808:808::1", "2606:4700:4700::1111"],
)
def test_ipv6_forms_of_public_addresses_stay_allowed(ip):
    assert address_allowed(ip)


def test_a_name_resolving_to_a_nat64_form_of_the_metadata_service_is_refused(monkeypatch):
    def getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("64:ff9b::a9fe:a9fe", port, 0, 0))]

    monkeypatch.setattr(fetch_module.socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(FetchRefused, match="169.254.169.254"):
        fetch("http://wire.example/feed")


@pytest.mark.parametrize("target", ["64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::", "::ffff:0:a00:1"])
def test_a_redirect_to_an_ipv6_form_of_a_private_address_is_refused_at_that_hop(
    monkeypatch, target
):
    # The feed server itself counts as public here; its redirect must still be checked.
    real = fetch_module.address_allowed
    monkeypatch.setattr(fetch_module, "address_allowed", lambda ip: ip == "127.0.0.1" or real(ip))
    with WireServer() as server:
        url = server.add(
            "/moved", status=302, headers={"Location": f"http://[{target}]/latest/"}, body=b""
        )
        with pytest.raises(FetchRefused, match="administrator allows"):
            fetch(url)
        assert [path for path, _headers in server.requests] == ["/moved"]


# --- issue 12, finding 13: one poll of a source at a time ----------------------------------------


class SourceClaimTests(TestCase):
    """`newsdesk ingest --source X`, "Poll now" and the periodic poll: one at a time."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = WireServer().__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)
        super().tearDownClass()

    def setUp(self):
        url = self.server.add_fixture(f"/claim-{self._testMethodName}.rss", "wire/reuters.rss")
        self.source = SourceFactory(name="Claimed", url=url, allow_private_network=True)

    def fetches(self) -> int:
        return sum(path.startswith("/claim-") for path, _headers in self.server.requests)

    def test_a_second_poll_while_the_first_reads_the_source_reads_nothing(self):
        inner = []
        real_fetch = polling.fetch

        def fetch_while_another_poll_starts(url, **kwargs):
            inner.append(polling.source_poll(source=Source.objects.get(pk=self.source.pk)))
            return real_fetch(url, **kwargs)

        before = self.fetches()
        with mock.patch.object(polling, "fetch", fetch_while_another_poll_starts):
            outer = polling.source_poll(source=self.source)
        self.assertEqual(outer.counts, {Outcome.CREATED: 3})
        self.assertTrue(inner[0].busy)
        self.assertEqual(inner[0].counts, {})
        self.assertEqual(self.fetches() - before, 1)

    def test_the_command_skips_a_source_another_poll_holds_and_says_so(self):
        token = polling.source_claim(source=self.source)
        self.assertIsNotNone(token)
        before = self.fetches()
        out, err = io.StringIO(), io.StringIO()
        call_command("ingest", "--source", "Claimed", stdout=out, stderr=err)
        self.assertIn("Claimed is being polled right now", err.getvalue())
        self.assertEqual(out.getvalue().strip(), "0 created, 0 updated, 0 skipped, 0 failed.")
        self.assertEqual(self.fetches(), before)

    def test_the_periodic_poll_leaves_a_claimed_source_to_its_poll(self):
        polling.source_claim(source=self.source)
        before = self.fetches()
        self.assertEqual(polling.sources_poll_due(), [])
        self.assertEqual(self.fetches(), before)

    def test_a_claim_whose_lease_ran_out_is_taken_over(self):
        # A worker killed while polling never releases its claim; the lease frees the source.
        polling.source_claim(source=self.source)
        later = timezone.now() + timedelta(seconds=polling.POLL_LEASE + 1)
        with time_machine.travel(later, tick=False):
            report = polling.source_poll(source=self.source)
        self.assertFalse(report.busy)
        self.assertEqual(report.counts, {Outcome.CREATED: 3})

    def test_a_claim_held_by_a_process_killed_on_this_machine_is_taken_over(self):
        dead = subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"],  # noqa: S603
            capture_output=True,
            text=True,
            check=True,
        )
        holder = f"{socket.gethostname()[:60]}:{dead.stdout.strip()}:feedface"
        Source.objects.filter(pk=self.source.pk).update(
            claimed_by=holder, claimed_until=timezone.now() + timedelta(minutes=5)
        )
        self.assertEqual(polling.source_poll(source=self.source).counts, {Outcome.CREATED: 3})
        # A holder on another machine keeps the source until its lease runs out.
        Source.objects.filter(pk=self.source.pk).update(
            claimed_by=f"elsewhere:{os.getpid()}:feedface",
            claimed_until=timezone.now() + timedelta(minutes=5),
        )
        self.assertTrue(polling.source_poll(source=self.source).busy)

    def test_the_claim_is_released_after_a_failed_poll_and_after_an_exception(self):
        self.source.url = self.server.url("/claim-missing")
        self.assertIn("404", polling.source_poll(source=self.source).error)
        boom = mock.patch.object(polling, "_poll", side_effect=RuntimeError("boom"))
        with boom, self.assertRaises(RuntimeError):
            polling.source_poll(source=self.source)
        self.source.refresh_from_db()
        self.assertEqual((self.source.claimed_until, self.source.claimed_by), (None, ""))


# --- issue 12, finding 13: no fault injection in production code ---------------------------------


def test_production_code_holds_no_fault_injection_hook():
    # The crash-safety test kills its worker from the tests' own machinery (crashing.py).
    app = Path(__file__).resolve().parents[1]
    hooks = [
        str(path.relative_to(app))
        for path in app.rglob("*.py")
        if "tests" not in path.relative_to(app).parts
        and re.search(r"CRASH_AT|crash_point|signal\.SIGKILL", path.read_text())
    ]
    assert hooks == []


# --- issue 12, finding 6: drop folders confined to the configured roots --------------------------


class FolderRootTests(TestCase):
    """A staff user with ingest permissions cannot make a drop folder read another directory."""

    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        base = Path(tmp.name).resolve()
        self.root = base / "drop"
        self.folder = self.root / "agency"
        self.folder.mkdir(parents=True)
        # Somewhere the server can read that is no drop folder: secrets, in a readable format.
        self.secrets = base / "secrets"
        self.secrets.mkdir()
        (self.secrets / "secrets.xml").write_bytes((FIXTURES / "wire/reuters.rss").read_bytes())
        roots = override_settings(NEWSDESK_INGEST_FOLDER_ROOTS=[str(self.root)])
        roots.enable()
        self.addCleanup(roots.disable)
        self.source = SourceFactory(
            name="Agency", kind=Source.Kind.FOLDER, url="", path=str(self.folder)
        )
        self.staff = get_user_model().objects.create_user("desk", "desk@example.org", "pw")
        self.staff.is_staff = True
        self.staff.save()
        self.staff.user_permissions.set(
            Permission.objects.filter(
                content_type__app_label="ingest",
                codename__in=["add_source", "change_source", "view_source", "view_wireitem"],
            )
        )
        self.admin = get_user_model().objects.create_superuser("root", "r@example.org", "pw")

    def change(self, user, source: Source, **fields):
        self.client.force_login(user)
        data = {
            "name": source.name,
            "kind": source.kind,
            "url": source.url,
            "path": source.path,
            "credit": source.credit,
            "enabled": "on",
            "poll_interval": source.poll_interval,
        }
        data.update(fields)
        data = {k: v for k, v in data.items() if v is not False}
        url = (
            reverse("admin:ingest_source_change", args=[source.pk])
            if source.pk
            else reverse("admin:ingest_source_add")
        )
        return self.client.post(url, data)

    def poll_now(self, user) -> None:
        self.client.force_login(user)
        self.client.post(
            reverse("admin:ingest_source_changelist"),
            {"action": "poll_now", "_selected_action": [self.source.pk]},
        )

    def test_staff_cannot_point_a_folder_source_outside_the_roots(self):
        response = self.change(self.staff, self.source, path=str(self.secrets))
        self.assertContains(response, "is outside the drop-folder roots")
        self.assertContains(response, str(self.root))
        self.source.refresh_from_db()
        self.assertEqual(self.source.path, str(self.folder))

    def test_dot_dot_and_links_inside_a_root_are_judged_where_they_lead(self):
        link = self.root / "shortcut"
        link.symlink_to(self.secrets)
        response = self.change(self.staff, self.source, path=str(self.root / ".." / "secrets"))
        self.assertContains(response, "is outside the drop-folder roots")
        response = self.change(self.staff, self.source, path=str(link))
        self.assertContains(response, f"it leads to {self.secrets}")
        response = self.change(
            self.staff, Source(name="New", kind=Source.Kind.FOLDER), path=str(link)
        )
        self.assertContains(response, "is outside the drop-folder roots")
        self.assertFalse(Source.objects.filter(name="New").exists())

    def test_poll_now_of_a_folder_outside_the_roots_reads_nothing(self):
        # As the red team did it, or as a source saved before the roots existed.
        Source.objects.filter(pk=self.source.pk).update(path=str(self.secrets))
        self.poll_now(self.staff)
        self.assertFalse(WireItem.objects.exists())
        self.source.refresh_from_db()
        self.assertIn("outside the drop-folder roots", self.source.last_error)

    def test_a_folder_that_becomes_a_link_outside_is_refused_at_the_poll(self):
        self.folder.rmdir()
        self.folder.symlink_to(self.secrets)
        self.poll_now(self.staff)
        self.assertFalse(WireItem.objects.exists())
        self.source.refresh_from_db()
        self.assertIn("outside the drop-folder roots", self.source.last_error)

    def test_a_file_linking_out_of_the_folder_is_not_read(self):
        (self.folder / "wire.xml").symlink_to(self.secrets / "secrets.xml")
        (self.folder / "afp.atom").write_bytes((FIXTURES / "wire/afp.atom").read_bytes())
        report = polling.source_poll(source=self.source)
        self.assertEqual(report.counts, {Outcome.CREATED: 2, Outcome.FAILED: 1})
        self.assertIn("wire.xml: the file is a link to somewhere outside", report.problems[0])
        self.assertEqual(set(WireItem.objects.values_list("guid", flat=True)) & REUTERS, set())

    def test_only_an_administrator_may_allow_a_folder_elsewhere(self):
        response = self.change(
            self.staff, self.source, path=str(self.secrets), allow_any_folder="on"
        )
        self.assertContains(response, "is outside the drop-folder roots")
        response = self.change(
            self.admin, self.source, path=str(self.secrets), allow_any_folder="on"
        )
        self.assertEqual(response.status_code, 302)
        self.source.refresh_from_db()
        self.assertTrue(self.source.allow_any_folder)
        # What the administrator allowed is that folder, not whatever staff choose next.
        response = self.change(self.staff, self.source, path="/etc")
        self.assertContains(response, "Only an administrator may change the folder")
        self.source.refresh_from_db()
        self.assertEqual(self.source.path, str(self.secrets))

    def test_staff_cannot_move_a_private_network_source_to_another_address(self):
        feed = SourceFactory(
            name="Intranet", url="http://10.0.0.5/feed", allow_private_network=True
        )
        response = self.change(self.staff, feed, url="http://169.254.169.254/latest/")
        self.assertContains(response, "Only an administrator may change the address")
        feed.refresh_from_db()
        self.assertEqual(feed.url, "http://10.0.0.5/feed")


REUTERS = {"wire-one-2041", "wire-one-2042", "https://wire-one.example/sport/marathon-record"}


# --- issue 12, finding 13: relative <img src> in sanitized wire copy -----------------------------


class RelativeAddressTests(TestCase):
    """Opening a wire item never has the editor's browser fetch our own pages."""

    HTML = '<p>Text</p><img src="/admin/logout/" srcset="x.png 2x"><a href="/admin/">a</a>'

    def setUp(self):
        self.editor = get_user_model().objects.create_superuser("ed", "ed@example.org", "pw")
        self.client.force_login(self.editor)

    def item_page(self, item) -> str:
        page = self.client.get(reverse("admin:ingest_wireitem_change", args=[item.pk]))
        return page.content.decode().split('<div class="readonly"><p>Text</p>', 1)[1][:600]

    def test_an_item_without_an_address_loses_its_relative_addresses(self):
        item, _ = wire_item_store(source=SourceFactory(), entry=entry("r1", html=self.HTML))
        self.assertEqual(item.body_html, '<p>Text</p><img><a rel="noopener noreferrer">a</a>')
        self.assertNotIn('src="/', self.item_page(item))

    def test_an_item_with_an_address_gets_absolute_ones(self):
        item, _ = wire_item_store(
            source=SourceFactory(),
            entry=entry("r2", html=self.HTML, url="https://wire.example/news/1.html"),
        )
        self.assertIn('src="https://wire.example/admin/logout/"', item.body_html)
        self.assertIn('srcset="https://wire.example/news/x.png 2x"', item.body_html)

    def test_an_item_stored_before_the_fix_is_shown_and_drafted_without_them(self):
        item, _ = wire_item_store(source=SourceFactory(), entry=entry("r3"))
        WireItem.objects.filter(pk=item.pk).update(body_html=self.HTML)
        page = self.item_page(item)
        self.assertNotIn('src="/', page)
        self.assertNotIn('href="/admin/', page)
        article = story_draft_create(story=item.story, by=None)
        self.assertNotIn('src="/', article.body)


# --- issue 12, finding 5: hostile feeds refused before the full parse ----------------------------

ENTITY_BOMB = (
    '<?xml version="1.0" encoding="{enc}"{extra}?>'
    '<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><rss version="2.0"><channel><title>t</title>'
    "<item><title>&c;</title><description>&c;</description></item></channel></rss>"
)


def rss(body: str, *, title: str = "t") -> bytes:
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        f"{body}</channel></rss>"
    ).encode()


def nested(depth: int, *, malformed: bool = False) -> bytes:
    title = "x &nbsp;" if malformed else "x"  # &nbsp; is no XML entity: not well-formed
    return rss(
        f"<item><title>{title}</title><description>{'<d>' * depth}{'</d>' * depth}"
        "</description></item>"
    )


@pytest.fixture
def unparsed(monkeypatch):
    """Fails the test if feedparser (the full parse) is reached."""

    def never(*args, **kwargs):
        raise AssertionError("the document reached the full parse")

    monkeypatch.setattr(feed_module.feedparser, "parse", never)


@pytest.fixture
def unstreamed(monkeypatch, unparsed):
    """Fails the test if any XML parser is reached: refused by the scans of the text alone."""

    def never(*args, **kwargs):
        raise AssertionError("the document reached the XML parser")

    monkeypatch.setattr(screen_module.defusedxml.sax, "parseString", never)


def test_an_element_with_400000_attributes_is_refused_before_any_parser(unstreamed):
    attributes = " ".join(f'a{i}="x"' for i in range(400_000))
    data = rss(f"<item {attributes}><title>x</title><description>d</description></item>")
    with pytest.raises(ParseError, match="more than 100 attributes"):
        parse_feed(data)


def test_unquoted_attributes_count_too(unstreamed):
    # Lenient parsers take <item a=1 b=2 ...> from a document that is not XML.
    attributes = " ".join(f"a{i}=x" for i in range(200))
    with pytest.raises(ParseError, match="more than 100 attributes"):
        parse_feed(rss(f"<item {attributes}><title>x</title></item>"))


def test_300000_nested_elements_are_refused_before_any_parser(unstreamed):
    with pytest.raises(ParseError, match="tags; at most 150,000 are read"):
        parse_feed(nested(300_000))


@pytest.mark.parametrize("malformed", [False, True], ids=["xml", "not-well-formed"])
def test_deep_nesting_is_refused_before_the_full_parse(unparsed, malformed):
    with pytest.raises(ParseError, match="nests elements more than 100 deep"):
        parse_feed(nested(70_000, malformed=malformed))


@pytest.mark.parametrize(
    "data",
    [
        ENTITY_BOMB.format(enc="UTF-32", extra="").encode("utf-32"),
        ENTITY_BOMB.format(enc="UTF-32BE", extra="").encode("utf-32-be"),
        (" " + ENTITY_BOMB.format(enc="UTF-32LE", extra="")).encode("utf-32-le"),
        ENTITY_BOMB.format(enc="cp037", extra="").encode("cp037"),
        ENTITY_BOMB.format(enc="UTF-7", extra="").encode("utf-7"),
        ENTITY_BOMB.format(enc="x-unknown", extra="").encode(),
    ],
    ids=["utf-32", "utf-32be", "utf-32le-no-mark", "ebcdic", "utf-7", "unknown"],
)
def test_encodings_off_the_allow_list_are_refused_unread(unstreamed, data):
    with pytest.raises(ParseError, match="refused unread"):
        parse_feed(data)


def test_the_entity_rule_is_checked_on_the_decoded_text(unstreamed):
    # Not well-formed (standalone="maybe") and UTF-16: no byte pattern shows the declaration.
    data = ENTITY_BOMB.format(enc="UTF-16", extra=' standalone="maybe"').encode("utf-16")
    with pytest.raises(ParseError, match="declares XML entities"):
        parse_feed(data)


@pytest.mark.parametrize(
    ("data", "title"),
    [
        (
            rss("<item><guid>1</guid><title>Café</title></item>")
            .decode()
            .replace('"1.0"?>', '"1.0" encoding="ISO-8859-1"?>')
            .encode("latin-1"),
            "Café",
        ),
        (
            rss("<item><guid>1</guid><title>Café “quoted”</title></item>")
            .decode()
            .replace('<?xml version="1.0"?>', "")
            .encode("cp1252"),
            "Café “quoted”",
        ),
        (rss("<item><guid>1</guid><title>Grüße</title></item>").decode().encode("utf-16"), "Grüße"),
        (
            rss("<item><guid>1</guid><title>東京</title></item>")
            .decode()
            .replace('"1.0"?>', '"1.0" encoding="Shift_JIS"?>')
            .encode("shift_jis"),
            "東京",
        ),
    ],
    ids=["latin-1", "undeclared-windows-1252", "utf-16", "shift_jis"],
)
def test_feeds_in_allowed_encodings_are_read_as_before(data, title):
    assert [entry.title for entry in parse_feed(data)] == [title]


def test_a_feed_of_2000_items_passes_the_screen():
    items = "".join(
        f"<item><guid>g{i}</guid><title>Story {i}</title><description><![CDATA[<p>Text "
        f"<b>{i}</b></p>]]></description></item>"
        for i in range(2000)
    )
    assert len(parse_feed(rss(items))) == 2000
