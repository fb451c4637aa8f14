"""The static mirror (newsdesk/site/mirror/): exported, served by a real nginx and crawled; kept
current by purges, rewriting exactly the files that show a change."""

from __future__ import annotations

import getpass
import io
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections import deque
from contextlib import contextmanager, nullcontext
from datetime import timedelta
from pathlib import Path
from unittest import mock
from urllib.parse import urljoin

import feedparser
import jsonschema
import lxml.etree
import lxml.html
import pytest
import requests
import time_machine
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.test import Client, SimpleTestCase, TestCase, override_settings
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image as PILImage

from newsdesk.articles.images import renditions_generate
from newsdesk.articles.models import Article, Image
from newsdesk.articles.services import (
    article_correct,
    article_publish,
    article_save,
    article_schedule,
    article_unpublish,
)
from newsdesk.articles.tasks import article_keys
from newsdesk.articles.tests.factories import (
    ArticleFactory,
    AuthorFactory,
    KeywordFactory,
    SectionFactory,
)
from newsdesk.comments.models import Comment
from newsdesk.comments.services import comments_moderate
from newsdesk.comments.tests.factories import CommentFactory, solved
from newsdesk.core import purge
from newsdesk.core.tasks import HUEY
from newsdesk.feeds.tests.test_feeds import JSON_FEED_SCHEMA
from newsdesk.feeds.tests.test_sitemaps import _news_schema, _schema
from newsdesk.site.mirror import Mirror, MirrorError
from newsdesk.site.mirror.checks import mirror_settings_check
from newsdesk.site.mirror.lists import ListSpec, chain_repair, covering
from newsdesk.site.mirror.produce import Producer
from newsdesk.site.mirror.rewrite import Links, file_path, same_copy
from newsdesk.site.mirror.tasks import mirror_purge_listener
from newsdesk.site.mirror.watch import LogWatcher

ROOT = Path(__file__).resolve().parents[3]
ORIGIN = "http://127.0.0.1:8000"  # NEWSDESK_SITE_URL in the tests
PAGE_TIME = re.compile(rb'<span class="page-time">[^<]*</span>')
ARTICLE_PATH = re.compile(r"^/news/\d+/[^/]+/$")


def nginx_path() -> str | None:
    # Debian puts it in /usr/sbin, which is not on every user's PATH.
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def documented_server_block() -> str:
    """The nginx server block docs/operations.md gives operators for a mirror: the one tested."""
    section = (ROOT / "docs" / "operations.md").read_text().split("## Static mirror", 1)[1]
    found = re.search(r"```nginx\n(server \{.*?\n\})\n```", section, re.DOTALL)
    assert found, "docs/operations.md, 'Static mirror', has no ```nginx server { ... } block"
    return found.group(1)


@contextmanager
def run_nginx(root: Path, port: int):
    """nginx serving `root` on 127.0.0.1:`port` with the documented server block."""
    nginx = nginx_path()
    if not nginx:
        pytest.skip(
            "No nginx to serve the mirror: install the Debian package nginx "
            "(listed in .ci/debian-packages)."
        )
    prefix = Path(tempfile.mkdtemp(prefix="newsdesk-nginx-"))
    server = documented_server_block()
    server = re.sub(r"listen [^;]+;", f"listen 127.0.0.1:{port};", server, count=1)
    server = re.sub(r"root [^;]+;", f"root {root};", server, count=1)
    mime = Path("/etc/nginx/mime.types")
    types = f"include {mime};" if mime.exists() else "types { text/html html; text/xml xml; }"
    temp_paths = "".join(
        f"{name}_temp_path {prefix}/{name};\n"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (prefix / "nginx.conf").write_text(
        # As root, workers would run as nobody and could not read the test's folders.
        f"user {getpass.getuser()};\nworker_processes 1;\npid {prefix}/nginx.pid;\n"
        f"error_log {prefix}/error.log warn;\nevents {{ worker_connections 128; }}\n"
        f"http {{\n{types}\ndefault_type application/octet-stream;\naccess_log off;\n"
        f"{temp_paths}{server}\n}}\n"
    )
    process = subprocess.Popen(
        [
            nginx,
            "-c",
            str(prefix / "nginx.conf"),
            "-p",
            str(prefix),
            "-e",
            str(prefix / "error.log"),
        ]
        + ["-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (
                        (prefix / "error.log").read_text()
                        if (prefix / "error.log").exists()
                        else ""
                    )
                    raise AssertionError(
                        f"nginx did not start: {process.stderr.read()} {log}"
                    ) from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(prefix, ignore_errors=True)


def links_in(response: requests.Response, base: str) -> set[str]:
    """Every address on `base` that a document links to or uses."""
    found = set()
    kind = response.headers.get("Content-Type", "")
    text = response.text
    if kind.startswith("text/html"):
        document = lxml.html.fromstring(response.content)
        for attribute in ("href", "src", "action"):
            found |= {urljoin(response.url, v) for v in document.xpath(f"//@{attribute}")}
        for srcset in document.xpath("//@srcset"):
            found |= {urljoin(response.url, p.split()[0]) for p in srcset.split(",") if p.strip()}
        for refresh in document.xpath("//meta[@http-equiv='refresh']/@content"):
            found.add(urljoin(response.url, refresh.split("url=", 1)[1]))
    # Absolute addresses anywhere: feeds, sitemaps, robots.txt, metadata, structured data.
    for url in re.findall(re.escape(base) + r"/[^\s\"'<>\\]*", text):
        found.add(url.replace("&amp;", "&"))
    return {url.split("#")[0] for url in found if url.startswith(base + "/")}


def crawl(base: str, starts: list[str]) -> dict[str, requests.Response]:
    seen: dict[str, requests.Response] = {}
    queue = deque(base + path for path in starts)
    with requests.Session() as session:
        while queue:
            url = queue.popleft()
            if url in seen:
                continue
            response = session.get(url, timeout=10, allow_redirects=False)
            seen[url] = response
            if response.status_code == 200:
                queue.extend(links_in(response, base) - seen.keys())
    return seen


def tree(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """path -> (inode, mtime, content without the footer's time), the index left out."""
    found = {}
    for path in folder.rglob("*"):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and not relative.startswith(".newsdesk-mirror/"):
            stat = path.stat()
            found[relative] = (stat.st_ino, stat.st_mtime_ns, PAGE_TIME.sub(b"", path.read_bytes()))
    return found


def png(name="harbour.png", width=900, height=500) -> ContentFile:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), (20, 90, 160)).save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name=name)


def small_site() -> dict:
    """Two sections, three keywords, two authors, eleven stories readers see (one with a picture,
    one with a comment, one a top story), and four they may not see."""
    now = timezone.now()
    politics = SectionFactory(name="Politics", slug="politics")
    sport = SectionFactory(name="Sport", slug="sport")
    harbour = KeywordFactory(name="Harbour", slug="harbour")
    budget = KeywordFactory(name="Budget", slug="budget")
    cup = KeywordFactory(name="Cup", slug="cup")
    ada = AuthorFactory(name="Ada Reporter", slug="ada-reporter")
    bo = AuthorFactory(name="Bo Writer", slug="bo-writer")
    picture = Image.objects.create(file=png(), alt="The harbour at dawn", caption="Dawn")
    renditions_generate(picture)
    stories = []
    for n in range(11):
        section = politics if n % 3 else sport
        stories.append(
            ArticleFactory(
                headline=f"Visible story {n:02d} about the harbour",
                published_at=now - timedelta(hours=2 * (11 - n)),
                section=section,
                keywords=[harbour, budget] if section == politics else [cup],
                authors=[ada] if n % 2 else [ada, bo],
                lead_image=picture if n == 4 else None,
                is_top_story=n == 10,
            )
        )
    far = ArticleFactory(
        headline="A story from another sitemap block",
        published_at=now - timedelta(hours=30),
        section=sport,
        keywords=[cup],
        news_id=120_007,  # News IDs 100,000-149,999: the third article sitemap
    )
    CommentFactory(article=stories[7], body="A reader remark on story seven")
    hidden = {
        "draft": ArticleFactory(
            headline="Hidden draft story", status=Article.Status.DRAFT, section=sport
        ),
        "scheduled": ArticleFactory(
            headline="Hidden scheduled story", published_at=now + timedelta(hours=3), section=sport
        ),
        "embargoed": ArticleFactory(
            headline="Hidden embargoed story", embargo_until=now + timedelta(hours=3), section=sport
        ),
        "unpublished": ArticleFactory(
            headline="Hidden unpublished story", status=Article.Status.UNPUBLISHED, section=sport
        ),
    }
    return {
        "stories": stories,
        "far": far,
        "hidden": hidden,
        "sections": (politics, sport),
        "keywords": (harbour, budget, cup),
        "picture": picture,
    }


def article_file(article: Article) -> str:
    return file_path(article.get_absolute_url())


# The export, served by nginx ------------------------------------------------------------------


@override_settings(NEWSDESK_PAGE_SIZE=3)
class MirrorExportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.site = small_site()
        cls.folder = Path(tempfile.mkdtemp(prefix="newsdesk-mirror-"))
        cls.port = free_port()
        cls.base = f"http://127.0.0.1:{cls.port}"
        mirror = Mirror.prepare(cls.folder, base_url=cls.base, comments="link")
        cls.report = mirror.export()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.addClassCleanup(shutil.rmtree, cls.folder, True)
        cls.server = run_nginx(cls.folder, cls.port)
        cls.served = cls.server.__enter__()
        cls.addClassCleanup(cls.server.__exit__, None, None, None)
        # One crawl, as a search engine would: from the home page, robots.txt and the sitemaps.
        cls.seen = crawl(cls.base, ["/", "/robots.txt", "/sitemap.xml"])

    def get(self, path: str) -> requests.Response:
        return requests.get(self.base + path, timeout=10, allow_redirects=False)

    def crawled(self, prefix: str) -> list[str]:
        return sorted(url for url in self.seen if url.startswith(self.base + prefix))

    def test_a_crawl_from_the_home_page_robots_txt_and_the_sitemaps_finds_no_broken_link(self):
        broken = {url: r.status_code for url, r in self.seen.items() if r.status_code != 200}
        self.assertEqual(broken, {})
        # A static host answers every query string with the page without it: none is linked.
        self.assertEqual([url for url in self.seen if "?" in url], [])
        self.assertGreater(len(self.seen), 60)
        self.assertEqual(self.report.missing, set())
        # The deepest page of the home list is reached by "Older stories" alone.
        oldest = self.site["stories"][0]
        self.assertIn(self.base + oldest.get_absolute_url(), self.seen)

    def test_every_published_story_is_there_and_nothing_readers_may_not_see(self):
        stories = [*self.site["stories"], self.site["far"]]
        crawled = {
            url.removeprefix(self.base)
            for url in self.seen
            if ARTICLE_PATH.match(url.removeprefix(self.base))
        }
        self.assertEqual(crawled, {story.get_absolute_url() for story in stories})
        for story in stories:
            response = self.seen[self.base + story.get_absolute_url()]
            self.assertIn(story.headline, response.text)
            short = self.get(f"/news/{story.news_id}/")
            self.assertIn(f'url={story.get_absolute_url()}"', short.text)
        for name, story in self.site["hidden"].items():
            self.assertEqual(self.get(story.get_absolute_url()).status_code, 404, name)
            self.assertEqual(self.get(f"/news/{story.news_id}/").status_code, 404, name)
        everything = b"".join(content for _, _, content in tree(self.folder).values())
        for name, story in self.site["hidden"].items():
            self.assertNotIn(story.headline.encode(), everything, name)
            self.assertNotIn(f"/news/{story.news_id}/".encode(), everything, name)

    def test_every_feed_parses_without_a_bozo_flag_and_points_at_the_mirror(self):
        feeds = self.crawled("/feeds/")
        # The site's, and each section's, keyword's and author's, in three formats; each
        # language's, whose RSS every page names.
        self.assertEqual(len(feeds), 3 * (1 + 2 + 3 + 2) + len(settings.LANGUAGES), feeds)
        for url in feeds:
            with self.subTest(feed=url):
                if url.endswith("/json/"):
                    response = self.seen[url]
                    kind = response.headers["Content-Type"].split(";")[0]
                    self.assertEqual(kind, "application/json")  # nginx's name for .json
                    feed = response.json()
                    jsonschema.validate(
                        feed, JSON_FEED_SCHEMA, format_checker=jsonschema.FormatChecker()
                    )
                    self.assertEqual(feed["feed_url"], url)
                    links = [item["url"] for item in feed["items"]]
                else:
                    parsed = feedparser.parse(url)  # fetched again: nginx's headers count
                    self.assertEqual(parsed.get("status"), 200)
                    self.assertEqual(parsed.bozo, 0, parsed.get("bozo_exception"))
                    links = [entry.link for entry in parsed.entries]
                other_language = "/language/" in url and f"/{settings.LANGUAGE_CODE}/" not in url
                self.assertEqual(bool(links), not other_language)  # every story is in English
                for link in links:
                    self.assertTrue(ARTICLE_PATH.match(link.removeprefix(self.base)), link)

    def test_the_sitemaps_validate_against_their_schemas_and_list_the_mirrors_addresses(self):
        # The same schemas, loaded the same way, as the origin's sitemaps are checked with
        # (newsdesk/feeds/tests/test_sitemaps.py).
        ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
        index = lxml.etree.fromstring(self.seen[self.base + "/sitemap.xml"].content)
        _schema("siteindex.xsd").assertValid(index)
        locations = index.xpath("//s:loc/text()", namespaces=ns)
        # The factories' News IDs are 500,000 and up: the eleventh block, a page of its own.
        self.assertIn(f"{self.base}/sitemap-articles-p11.xml", locations)
        self.assertIn(f"{self.base}/sitemap-articles-p3.xml", locations)  # News ID 120,007
        self.assertEqual(sorted(locations), self.crawled("/sitemap-"))
        listed = set()
        for location in locations:
            with self.subTest(sitemap=location):
                document = lxml.etree.fromstring(self.seen[location].content)
                (_news_schema() if "news" in location else _schema("sitemap.xsd")).assertValid(
                    document
                )
                listed |= set(document.xpath("//s:loc/text()", namespaces=ns))
        for url in listed:
            self.assertTrue(url.startswith(self.base + "/"), url)
            self.assertIn(url, self.seen)
        for story in [*self.site["stories"], self.site["far"]]:
            self.assertIn(self.base + story.get_absolute_url(), listed)
        robots = self.seen[self.base + "/robots.txt"].text
        self.assertIn(f"Sitemap: {self.base}/sitemap.xml", robots)

    def test_search_and_every_form_lead_to_the_origin_and_none_posts(self):
        forms = 0
        for url, response in self.seen.items():
            if not response.headers.get("Content-Type", "").startswith("text/html"):
                continue
            document = lxml.html.fromstring(response.content)
            for form in document.xpath("//form"):
                forms += 1
                self.assertEqual(form.get("action"), f"{ORIGIN}/search/", url)
                self.assertIn(form.get("method", "get").lower(), ("get", ""), url)
            for href in document.xpath("//a/@href"):
                self.assertFalse(urljoin(url, href).startswith(self.base + "/search"), url)
        self.assertGreater(forms, 20)  # the search box, on every page
        self.assertEqual(self.get("/search/").status_code, 404)

    def test_the_article_page_is_the_origins_but_for_the_links_that_lead_to_the_origin(self):
        story = self.site["stories"][7]  # with a comment, a section, keywords and authors
        origin = PAGE_TIME.sub(b"", self.client.get(story.get_absolute_url()).content).decode()
        mirror = PAGE_TIME.sub(b"", self.get(story.get_absolute_url()).content).decode()
        expected = origin.replace(ORIGIN + "/", self.base + "/")
        # What leads elsewhere on purpose: the search box, search and comments, to the origin;
        # the form's script and slot give way to a link to the story on the origin.
        expected = re.sub(
            r'<script src="/static/(comments/form|captcha/refresh)\.js"[^>]*></script>\n?',
            "",
            expected,
        )
        expected = expected.replace('action="/search/"', f'action="{ORIGIN}/search/"')
        expected = expected.replace('href="/search/"', f'href="{ORIGIN}/search/"')
        slot = re.search(r'<div id="comment-form-slot".*?</div>', expected, re.DOTALL).group(0)
        expected = expected.replace(
            slot,
            '<div id="comment-form-slot" class="comment-form-slot"><p class="write-comment">'
            f'<a href="{ORIGIN}{story.get_absolute_url()}#comments">Comment on this story at '
            "127.0.0.1:8000</a></p></div>",
        )
        comment = Comment.objects.get(article=story)
        expected = re.sub(
            r'href="/comments/\d+/write/\?reply_to=(\d+)"',
            lambda m: f'href="{ORIGIN}{story.get_absolute_url()}#comment-{m.group(1)}"',
            expected,
        )
        self.assertIn(f"#comment-{comment.pk}", expected)
        self.assertEqual(mirror, expected)
        self.assertNotIn('data-form-url="/', mirror)
        self.assertNotIn("<form", mirror.split('id="comments"')[1])

    def test_deeper_list_pages_are_the_origins_pages_at_the_same_cursor(self):
        for base in ("/", "/section/politics/", "/keyword/harbour/", "/author/ada-reporter/"):
            page, query, depth = base, "", 0
            while True:
                origin = self.client.get(base, {"after": query} if query else {})
                mirrored = self.get(page)
                self.assertEqual(mirrored.status_code, 200, page)
                found = re.search(r'rel="next" href="\?after=([^"]+)"', origin.content.decode())
                expected = PAGE_TIME.sub(b"", origin.content).decode()
                expected = expected.replace(ORIGIN + "/", self.base + "/")
                expected = expected.replace('href="?"', f'href="{base}"')
                if found:
                    expected = expected.replace(
                        f'href="?after={found.group(1)}"', f'href="{base}after/{found.group(1)}/"'
                    )
                expected = expected.replace('action="/search/"', f'action="{ORIGIN}/search/"')
                expected = expected.replace('href="/search/"', f'href="{ORIGIN}/search/"')
                self.assertEqual(PAGE_TIME.sub(b"", mirrored.content).decode(), expected, page)
                if not found:
                    break
                page, query, depth = f"{base}after/{found.group(1)}/", found.group(1), depth + 1
            self.assertGreaterEqual(depth, 1, base)

    def test_pictures_and_their_renditions_are_there_and_only_those_pages_use(self):
        picture = self.site["picture"]
        for rendition in picture.renditions:
            response = self.get(f"/media/{rendition['name']}")
            self.assertEqual(response.status_code, 200, rendition["name"])
        self.assertEqual(self.get(f"/media/{picture.file.name}").status_code, 404)  # unused
        self.assertEqual(self.get("/static/newsdesk/site.css").status_code, 200)

    def test_an_unknown_address_gets_the_sites_404_page_and_the_index_is_never_served(self):
        missing = self.get("/news/1/no-such-story/")
        self.assertEqual(missing.status_code, 404)
        self.assertIn("Page not found", missing.text)
        self.assertEqual(self.get("/.newsdesk-mirror/index.sqlite3").status_code, 404)
        # A file being written has a hidden name until it is renamed: never served half done.
        being_written = self.folder / "news" / ".index.html.1-2.tmp"
        being_written.write_text("half a page")
        self.addCleanup(being_written.unlink)
        self.assertEqual(self.get("/news/.index.html.1-2.tmp").status_code, 404)


@override_settings(NEWSDESK_COMMENTS_MIN_SECONDS=0)
class CommentsFromTheMirrorTests(TestCase):
    """Either way, a reader of the mirror who wants to comment reaches a form that posts: the
    origin's own, never a dead form on the mirror (a form on another host could not pass the
    origin's CSRF check: its cookie is not sent with a cross-site post)."""

    def setUp(self):
        self.story = ArticleFactory(headline="Open for comments")
        self.comment = CommentFactory(article=self.story, body="First!")
        self.folder = Path(tempfile.mkdtemp(prefix="newsdesk-mirror-"))
        self.addCleanup(shutil.rmtree, self.folder, True)

    def mirrored_comments(self, mode: str) -> lxml.html.HtmlElement:
        Mirror.prepare(self.folder, base_url="https://mirror.example", comments=mode).export()
        page = (self.folder / article_file(self.story)).read_text()
        self.assertNotIn("comments/form.js", page)
        document = lxml.html.fromstring(page)
        [section] = document.xpath("//*[@id='comments']")
        self.assertEqual(section.xpath(".//form"), [])  # no form on the mirror
        # Every link of the comments leads to the origin, none to the mirror.
        for href in section.xpath(".//a/@href"):
            self.assertTrue(href.startswith(ORIGIN + "/"), href)
        return section

    def origin_get(self, client: Client, url: str, **kwargs):
        self.assertTrue(url.startswith(ORIGIN + "/"), url)
        response = client.get(url.removeprefix(ORIGIN).split("#")[0], **kwargs)
        self.assertEqual(response.status_code, 200, url)
        return response

    def post_on_the_origin(self, write_url: str, body: str) -> Comment:
        """A reader follows `write_url` to the origin and sends its form, CSRF checks and all."""
        client = Client(enforce_csrf_checks=True)
        page = self.origin_get(client, write_url).content.decode()
        form = lxml.html.fromstring(page).get_element_by_id("comment-form")
        self.assertEqual(form.get("method"), "post")
        action = urljoin(write_url, form.get("action"))
        self.assertTrue(action.startswith(ORIGIN + "/comments/"), action)
        token = lxml.html.fromstring(page).xpath("//input[@name='csrfmiddlewaretoken']/@value")
        response = client.post(
            action.removeprefix(ORIGIN), solved(page, body=body, csrfmiddlewaretoken=token[0])
        )
        self.assertEqual(response.status_code, 303, response.content[:500])
        return Comment.objects.get(article=self.story, body=body)

    def test_with_comments_link_the_slot_is_a_link_to_the_story_whose_form_posts(self):
        section = self.mirrored_comments("link")
        [link] = section.xpath(".//*[@id='comment-form-slot']//a")
        story_url = f"{ORIGIN}{self.story.get_absolute_url()}"
        self.assertEqual(link.get("href"), f"{story_url}#comments")
        self.assertEqual(link.text_content(), "Comment on this story at 127.0.0.1:8000")
        reply = section.xpath(f".//a[@href='{story_url}#comment-{self.comment.pk}']")
        self.assertTrue(reply, "the Reply link leads to the comment on the origin")
        # On the origin, the story's "Write a comment" leads to a form that posts.
        origin = lxml.html.fromstring(self.origin_get(self.client, link.get("href")).content)
        self.assertTrue(origin.xpath(f"//*[@id='comment-{self.comment.pk}']"))
        [write] = origin.xpath("//*[@id='comment-form-slot']//a[@data-write-comment]/@href")
        posted = self.post_on_the_origin(urljoin(story_url, write), "Sent from the mirror")
        self.assertIsNone(posted.parent)

    def test_with_comments_origin_write_and_reply_lead_to_the_origins_form_that_posts(self):
        section = self.mirrored_comments("origin")
        news_id = self.story.news_id
        [write] = section.xpath(".//*[@id='comment-form-slot']//a/@href")
        self.assertEqual(write, f"{ORIGIN}/comments/{news_id}/write/")
        [slot] = section.xpath(".//*[@id='comment-form-slot']")
        self.assertEqual(slot.get("data-form-url"), f"{ORIGIN}/comments/{news_id}/form/")
        self.assertIsNone(self.post_on_the_origin(write, "A new comment").parent)
        reply = f"{ORIGIN}/comments/{news_id}/write/?reply_to={self.comment.pk}"
        self.assertTrue(section.xpath(f".//a[@href='{reply}']"))
        self.assertEqual(self.post_on_the_origin(reply, "A reply").parent, self.comment)


# Links, one by one --------------------------------------------------------------------------


class LinkTests(SimpleTestCase):
    def links(self, **kwargs) -> Links:
        return Links(origin=ORIGIN, base=kwargs.pop("base", "https://mirror.example"), **kwargs)

    def test_older_stories_becomes_a_path_and_latest_the_lists_address(self):
        html = '<a href="?">Latest</a> <a rel="next" href="?after=MjAyNHwx">Older</a>'
        result = self.links(comments="link").html(html, page_path="/", list_base="/section/x/")
        self.assertEqual(
            result.text,
            '<a href="/section/x/">Latest</a> '
            '<a rel="next" href="/section/x/after/MjAyNHwx/">Older</a>',
        )
        self.assertEqual(result.next_cursor, "MjAyNHwx")

    def test_only_the_origins_own_addresses_move_to_the_base_url(self):
        text = (
            f'<link rel="canonical" href="{ORIGIN}/news/1/a/"> {ORIGIN}0/x '
            '<a href="https://elsewhere.example/">x</a>'
        )
        result = self.links(comments="link").html(text, page_path="/news/1/a/")
        self.assertIn('href="https://mirror.example/news/1/a/"', result.text)
        self.assertIn(f"{ORIGIN}0/x", result.text)  # another port is another site
        self.assertIn('href="https://elsewhere.example/"', result.text)

    def test_what_only_the_origin_can_do_links_to_the_origin(self):
        html = (
            '<form action="/search/"></form><a href="/admin/">a</a><a href="/api/articles">b</a>'
            '<a href="https://mirror.example/search/?q=x&amp;s=1">c</a><a href="/news/2/b/">d</a>'
        )
        result = self.links(comments="origin").html(html, page_path="/")
        self.assertIn(f'action="{ORIGIN}/search/"', result.text)
        self.assertIn(f'href="{ORIGIN}/admin/"', result.text)
        self.assertIn(f'href="{ORIGIN}/api/articles"', result.text)
        self.assertIn(f'href="{ORIGIN}/search/?q=x&amp;s=1"', result.text)
        self.assertIn('href="/news/2/b/"', result.text)

    def test_assets_are_collected_from_attributes_srcsets_and_metadata(self):
        html = (
            '<img src="/media/a.jpg" srcset="/media/a-400w.webp 400w, /media/a-800w.webp 800w">'
            f'<meta property="og:image" content="{ORIGIN}/media/og.jpg">'
            '<link rel="stylesheet" href="/static/newsdesk/site.css">'
        )
        result = self.links(comments="link", base=ORIGIN).html(html, page_path="/")
        self.assertEqual(
            result.assets,
            {
                "/media/a.jpg",
                "/media/a-400w.webp",
                "/media/a-800w.webp",
                "/media/og.jpg",
                "/static/newsdesk/site.css",
            },
        )

    def test_an_asset_address_that_climbs_out_of_its_folder_is_never_copied(self):
        folder = Path(tempfile.mkdtemp(prefix="newsdesk-mirror-"))
        self.addCleanup(shutil.rmtree, folder, True)
        producer = Producer(folder / "mirror", base_url=ORIGIN, comments="link")
        for url in ("/media/../../secret_key", "/static/../x", "/media/.newsdesk-mirror/x"):
            self.assertIsNone(producer.asset(url), url)
        self.assertEqual(list(folder.iterdir()), [])

    def test_a_sitemap_page_becomes_a_file_of_its_own(self):
        xml = f"<loc>{ORIGIN}/sitemap-articles.xml?p=3</loc>"
        self.assertEqual(
            self.links(comments="link").xml(xml).text,
            "<loc>https://mirror.example/sitemap-articles-p3.xml</loc>",
        )
        self.assertEqual(file_path("/sitemap-articles.xml", "p=3"), "sitemap-articles-p3.xml")

    def test_addresses_become_files_of_the_same_shape(self):
        self.assertEqual(file_path("/"), "index.html")
        self.assertEqual(file_path("/news/5/%D8%A7%D9%84/"), "news/5/ال/index.html")
        self.assertEqual(file_path("/feeds/rss/", "", "application/rss+xml"), "feeds/rss/index.rss")
        self.assertEqual(file_path("/robots.txt", "", "text/plain"), "robots.txt")
        for bad in ("/news/../x/", "/.newsdesk-mirror/x", "/a//b/"):
            with self.assertRaises(ValueError):
                file_path(bad)
        with self.assertRaises(ValueError):
            file_path("/section/x/", "after=abc")

    def test_a_feeds_build_time_alone_is_no_change_but_an_entrys_time_is(self):
        atom = b"<feed><updated>2026-01-01T00:00:00Z</updated><entry><updated>1</updated></entry>"
        self.assertTrue(same_copy(atom, atom.replace(b"2026-01-01", b"2026-01-02")))
        self.assertFalse(same_copy(atom, atom.replace(b"<updated>1<", b"<updated>2<")))
        rss = b"<channel><lastBuildDate>Mon</lastBuildDate><item><pubDate>1</pubDate></item>"
        self.assertTrue(same_copy(rss, rss.replace(b"Mon", b"Tue")))
        self.assertFalse(same_copy(rss, rss.replace(b"<pubDate>1", b"<pubDate>2")))

    def test_a_base_url_with_a_path_or_no_scheme_is_refused(self):
        folder = Path(tempfile.mkdtemp(prefix="newsdesk-mirror-"))
        self.addCleanup(shutil.rmtree, folder, True)
        for bad in ("https://mirror.example/news", "mirror.example", "ftp://mirror.example"):
            with self.subTest(base=bad), self.assertRaises(MirrorError):
                Mirror.prepare(folder, base_url=bad)
        with self.assertRaisesMessage(MirrorError, "'link'"):
            Mirror.prepare(folder, comments="form")


# The chain of a list's deeper pages, against a model ---------------------------------------------


def _model_between(items: list):
    def between(lower, upper, limit):
        found = [c for c in items if c < upper and (lower is None or c >= lower)]
        found.sort(reverse=True)
        return found[:limit] if limit else found

    return between


def _pages(chain: list, items: list) -> dict:
    pages = {}
    for i, anchor in enumerate(chain):
        lower = chain[i + 1] if i + 1 < len(chain) else None
        pages[anchor] = (
            tuple(
                sorted(
                    (c for c in items if c < anchor and (lower is None or c >= lower)), reverse=True
                )
            ),
            lower,
        )
    return pages


@st.composite
def _histories(draw):
    size = draw(st.integers(1, 4))
    start = draw(st.lists(st.integers(0, 10_000), min_size=0, max_size=30, unique=True))
    batches = draw(
        st.lists(
            st.lists(
                st.one_of(
                    st.tuples(st.just("publish"), st.integers(10_001, 20_000)),
                    st.tuples(st.just("back-dated"), st.integers(0, 10_000)),
                    st.tuples(st.just("unpublish"), st.integers(0, 100)),
                ),
                min_size=1,
                max_size=6,
            ),
            min_size=1,
            max_size=8,
        )
    )
    return size, start, batches


class ChainRepairTests(SimpleTestCase):
    @hypothesis_settings(max_examples=300, deadline=None)
    @given(_histories())
    def test_pages_never_overlap_leave_no_story_out_and_every_changed_page_is_rendered(
        self, history
    ):
        size, start, batches = history
        items = sorted(((n, n) for n in start), reverse=True)  # (time, id) stand-ins

        def head_next(stories):
            return stories[size - 1] if len(stories) > size else None

        chain, nxt = [], head_next(items)
        repair = chain_repair(
            chain=[],
            head_next_before=None,
            head_next=nxt,
            dirty=(),
            size=size,
            between=_model_between(items),
        )
        chain = repair.chain
        for batch in batches:
            before_pages = _pages(chain, items)
            dirty = set()
            for op, value in batch:
                if op == "unpublish" and items:
                    gone = items[value % len(items)]
                    items.remove(gone)
                    dirty |= {a for a, (shown, _) in before_pages.items() if gone in shown}
                elif op in ("publish", "back-dated") and (value, value) not in items:
                    items.append((value, value))
                    holder = covering(chain, (value, value))
                    if holder is not None:
                        dirty.add(holder)
                items.sort(reverse=True)
            before_next, nxt = nxt, head_next(items)
            repair = chain_repair(
                chain=chain,
                head_next_before=before_next,
                head_next=nxt,
                dirty=dirty,
                size=size,
                between=_model_between(items),
            )
            pages = _pages(repair.chain, items)
            if nxt is None:
                self.assertEqual(repair.chain, [])
            else:
                self.assertEqual(repair.chain[0], nxt)  # the head's "Older stories" exists
            shown = [c for anchor in repair.chain for c in pages[anchor][0]]
            expected = [c for c in items if nxt is not None and c < nxt]
            self.assertEqual(shown, expected)  # in order, each story once, none left out
            changed = set()
            for anchor, (stories, _) in pages.items():
                self.assertTrue(1 <= len(stories) <= size, (anchor, stories))
                if pages[anchor] != before_pages.get(anchor):
                    changed.add(anchor)
                    self.assertIn(anchor, repair.render)  # changed: rendered again
            self.assertLessEqual(repair.render, changed | dirty)  # and nothing else
            self.assertEqual(repair.drop, set(before_pages) - set(pages))
            chain = repair.chain


# Kept current --------------------------------------------------------------------------------


@override_settings(NEWSDESK_PAGE_SIZE=3)
class MirrorUpdateTestCase(TestCase):
    def setUp(self):
        self.clock = time_machine.travel(timezone.now(), tick=False)
        self.clock.start()
        self.addCleanup(self.clock.stop)
        self.site = small_site()
        self.folder = Path(tempfile.mkdtemp(prefix="newsdesk-mirror-"))
        self.addCleanup(shutil.rmtree, self.folder, True)
        self.mirror = Mirror.prepare(self.folder)
        self.mirror.export()
        self.before = tree(self.folder)
        # What each file showed, by the index: the keys a purge must name to rewrite it.
        rows = self.mirror.index.db.execute("SELECT path, kind, list_id, keys FROM files")
        self.shown_before = {
            path: (kind, list_id, set(keys.split())) for path, kind, list_id, keys in rows
        }
        self.lists_before = self.mirror.index.lists()
        purge.purge_listener(mirror_purge_listener)
        self.purged: set[str] = set()  # every key purged since the export
        recording = mock.patch.object(purge, "_listeners", [*purge._listeners, self.purged.update])
        recording.start()
        self.addCleanup(recording.stop)
        watched = override_settings(NEWSDESK_MIRROR_DIR=str(self.folder))
        watched.enable()
        self.addCleanup(watched.disable)
        HUEY.flush()  # no scheduled task of an earlier test runs in this one
        self.addCleanup(HUEY.flush)

    def travel(self, when) -> None:
        """The clock (frozen) moves to `when`."""
        self.clock.stop()
        self.clock = time_machine.travel(when, tick=False)
        self.clock.start()

    @staticmethod
    def run_due_tasks() -> int:
        """What the task worker's scheduler does every second: run the tasks whose time came."""
        due = HUEY.read_schedule()
        for scheduled in due:
            HUEY.enqueue(scheduled)  # immediate in the tests: runs now, in this thread
        return len(due)

    @contextmanager
    def committed(self, *, related: bool = True):
        """Commit, running the purges. Without `related`: the change's own purge alone, not the
        related stories' refresh after it, whose purges name many more pages (a test of what
        the change's own keys bring)."""
        alone = mock.patch("newsdesk.articles.effects._follow_ups", [])
        with alone if not related else nullcontext(), self.captureOnCommitCallbacks(execute=True):
            yield

    def touched(self) -> set[str]:
        """Files written (a new inode: written and renamed) or deleted since the export."""
        after = tree(self.folder)
        written = {
            p for p, (inode, _, _) in after.items() if self.before.get(p, (None,))[0] != inode
        }
        return written | (self.before.keys() - after.keys())

    def assert_exactly_the_files_that_show_the_change(self, purged=None) -> set[str]:
        """Every file written or deleted showed a key the purges named (`purged`, or those
        that reached the purge listeners) and changed; the mirror reads as a new export of the
        site does."""
        after = tree(self.folder)
        touched = self.touched()
        for path in touched & after.keys() & self.before.keys():
            self.assertNotEqual(after[path][2], self.before[path][2], f"{path} rewritten unchanged")
        purged = self.purged if purged is None else set(purged)
        self.assertTrue(purged, "no purge reached the mirror")
        named_lists = set()
        for list_id, row in self.lists_before.items():
            spec = ListSpec(row.kind, row.pk, row.slug)
            if spec.head_key in purged or spec.own_keys & purged:
                named_lists.add(list_id)
        for path in sorted(touched & self.before.keys()):
            if path not in self.shown_before:  # a picture or static file: deleted once unused
                self.assertNotIn(path, after, f"{path}, an asset, was written again")
                continue
            kind, list_id, keys = self.shown_before[path]
            # A deeper page of a list whose head the purge names is repaired with it (lists.py).
            named = keys & purged or (kind == "list" and list_id in named_lists)
            self.assertTrue(named, f"{path} shows none of the keys purged: {sorted(purged)}")
        fresh_folder = Path(tempfile.mkdtemp(prefix="newsdesk-mirror-fresh-"))
        self.addCleanup(shutil.rmtree, fresh_folder, True)
        Mirror.prepare(fresh_folder).export()
        fresh = tree(fresh_folder)

        # Lists are anchored differently by design; everything else is the same, byte for byte.
        def listing(path):
            return "/after/" in path or path == "after" or path.startswith("after/")

        ours = {p: c for p, (_, _, c) in after.items() if not listing(p)}
        theirs = {p: c for p, (_, _, c) in fresh.items() if not listing(p)}
        # A story's old address stays, sending readers on; a new export knows only the new one.
        for path in ours.keys() - theirs.keys():
            target = re.search(rb'http-equiv="refresh" content="0; url=/([^"]+)"', ours.pop(path))
            self.assertIsNotNone(target, f"{path}: only in the updated mirror")
            self.assertIn(target.group(1).decode() + "index.html", theirs)
        self.assertEqual(sorted(ours), sorted(theirs))
        for path in ours:
            if not same_copy(ours[path], theirs[path]):  # an empty feed's build time aside
                self.assertEqual(ours[path], theirs[path], path)
        for base in (
            "",
            "section/politics/",
            "section/sport/",
            "keyword/harbour/",
            "keyword/cup/",
            "author/ada-reporter/",
        ):
            self.assertEqual(
                self.read_list(self.folder, base), self.read_list(fresh_folder, base), base
            )
        return touched

    @staticmethod
    def read_list(folder: Path, base: str) -> list[str]:
        """The stories a reader meets following "Older stories" from the list's first page."""
        stories, path = [], f"{base}index.html"
        while True:
            document = lxml.html.fromstring((folder / path).read_bytes())
            found = document.xpath(
                "//ol[contains(concat(' ', @class, ' '), ' story-list ')]//a/@href"
            )
            stories += list(dict.fromkeys(h for h in found if ARTICLE_PATH.match(h)))
            older = document.xpath("//a[@rel='next']/@href")
            if not older:
                return stories
            path = older[0].lstrip("/") + "index.html"


class MirrorUpdateTests(MirrorUpdateTestCase):
    def test_a_published_story_enters_its_page_lists_feeds_and_sitemaps(self):
        politics = self.site["sections"][0]
        harbour = self.site["keywords"][0]
        with self.committed(related=False):
            story = article_save(
                article=Article(headline="Budget vote delayed", section=politics),
                by=None,
            )
            story.keywords.set([harbour])
            article_publish(article=story, by=None)
        touched = self.assert_exactly_the_files_that_show_the_change()
        self.assertTrue({article_file(story), f"news/{story.news_id}/index.html"} <= touched)
        for path in (
            "index.html",
            "section/politics/index.html",
            "keyword/harbour/index.html",
            "feeds/rss/index.rss",
            "feeds/section/politics/atom/index.atom",
            "sitemap-news.xml",
        ):
            self.assertIn(path, touched)
            self.assertIn(b"Budget vote delayed", (self.folder / path).read_bytes(), path)
        self.assertNotIn("section/sport/index.html", touched)
        self.assertNotIn("keyword/cup/index.html", touched)
        sport_story = self.site["stories"][9]
        self.assertNotIn(article_file(sport_story), touched)

    def test_an_edit_is_seen_wherever_the_story_is_shown_and_nowhere_else_is_rewritten(self):
        story = self.site["stories"][5]
        old_headline = story.headline
        story.headline = "A corrected headline for story five"
        with self.committed():
            article_save(article=story, by=None)
        touched = self.assert_exactly_the_files_that_show_the_change()
        showing = {p for p, (_, _, c) in self.before.items() if old_headline.encode() in c}
        self.assertTrue(showing)
        self.assertTrue(showing <= touched)
        for path, (_, _, content) in tree(self.folder).items():
            self.assertNotIn(old_headline.encode(), content, path)

    def test_an_edit_renders_again_only_the_article_sitemap_that_holds_the_story(self):
        rendered = []
        producer = self.mirror.producer()
        run = producer.run

        def spy(job):
            rendered.append(job.source)
            return run(job)

        story = self.site["stories"][5]
        story.summary = "A new summary"
        with mock.patch.object(producer, "run", spy):
            self.mirror.keys_purged(article_keys(article_save(article=story, by=None)))
        self.assertIn("/sitemap-articles.xml?p=11", rendered)
        self.assertNotIn("/sitemap-articles.xml?p=3", rendered)
        rendered.clear()
        with mock.patch.object(producer, "run", spy):
            self.mirror.keys_purged(["sitemap"])  # an operator's purge: every sitemap
        self.assertTrue(
            {"/sitemap-articles.xml?p=3", "/sitemap-articles.xml?p=11"} <= set(rendered)
        )

    def test_an_edit_deep_in_a_list_does_not_render_its_first_page_again(self):
        rendered = []
        run = Producer.run

        def spy(producer, job):  # whichever Mirror the purge's task opens
            rendered.append(job.source)
            return run(producer, job)

        story = self.site["stories"][1]  # the oldest of Politics and Harbour: three pages down
        story.summary = "A summary written later"
        article_save(article=story, by=None)  # its purge, without the related stories' after it
        with mock.patch.object(Producer, "run", spy):
            self.mirror.keys_purged(article_keys(story))
        touched = self.assert_exactly_the_files_that_show_the_change(article_keys(story))
        self.assertNotIn("/section/politics/", rendered)
        self.assertNotIn("/keyword/harbour/", rendered)
        self.assertIn("/", rendered)  # the home page shows top stories too: always rendered
        self.assertIn(article_file(story), touched)
        self.assertTrue(any("politics/after/" in path for path in touched))

    def test_a_keyword_new_to_the_mirror_gets_its_pages_and_feeds(self):
        story = self.site["stories"][9]
        story.keywords.add(KeywordFactory(name="Lighthouse", slug="lighthouse"))
        with self.committed():
            article_save(article=story, by=None)
        touched = self.assert_exactly_the_files_that_show_the_change()
        self.assertIn("keyword/lighthouse/index.html", touched)
        self.assertIn("feeds/keyword/lighthouse/rss/index.rss", touched)
        self.assertIn(
            story.headline.encode(), (self.folder / "keyword/lighthouse/index.html").read_bytes()
        )

    def test_a_new_slug_leaves_a_page_that_sends_readers_on(self):
        story = self.site["stories"][3]
        old = article_file(story)
        story.slug = "a-new-address"
        with self.committed():
            article_save(article=story, by=None)
        self.assert_exactly_the_files_that_show_the_change()
        self.assertIn("url=/news/", (self.folder / old).read_text())
        self.assertIn(story.headline, (self.folder / article_file(story)).read_text())

    def test_an_unpublished_story_leaves_the_mirror_and_its_picture_goes_with_it(self):
        story = self.site["stories"][4]  # the only one with the picture
        renditions = [r["name"] for r in self.site["picture"].renditions]
        self.assertTrue(all((self.folder / "media" / name).exists() for name in renditions))
        page, short = article_file(story), f"news/{story.news_id}/index.html"
        with self.committed():
            article_unpublish(article=story, by=None)
        touched = self.assert_exactly_the_files_that_show_the_change()
        self.assertTrue({page, short} <= touched)
        self.assertFalse((self.folder / page).exists())
        self.assertFalse((self.folder / short).exists())
        for path, (_, _, content) in tree(self.folder).items():
            self.assertNotIn(f"/news/{story.news_id}/".encode(), content, path)
        self.assertFalse(any((self.folder / "media" / name).exists() for name in renditions))

    def test_a_story_published_with_an_earlier_time_joins_the_page_its_time_belongs_on(self):
        politics = self.site["sections"][0]
        with self.committed():
            story = article_save(
                article=Article(
                    headline="Lighthouse keepers remember the winter",
                    section=politics,
                    published_at=timezone.now() - timedelta(hours=13),
                ),
                by=None,
            )
            article_publish(article=story, by=None)
        touched = self.assert_exactly_the_files_that_show_the_change()
        self.assertNotIn("index.html", touched)  # the home page's first page does not show it
        self.assertIn(story.get_absolute_url(), self.read_list(self.folder, ""))

    def test_a_correction_is_seen_on_its_story_and_nothing_else_is_rewritten_for_it(self):
        story = self.site["stories"][6]
        with self.committed(related=False):
            article_correct(article=story, by=None, text="The vote was seven to two.")
        touched = self.assert_exactly_the_files_that_show_the_change()
        self.assertIn(article_file(story), touched)
        self.assertIn(b"seven to two", (self.folder / article_file(story)).read_bytes())
        self.assertNotIn(article_file(self.site["stories"][5]), touched)

    def test_a_section_renamed_in_the_admin_is_seen_on_every_file_that_shows_its_name(self):
        politics, sport = self.site["sections"]
        admin = get_user_model().objects.create_superuser("chief", password="pw")
        self.client.force_login(admin)
        with self.committed():
            response = self.client.post(
                f"/admin/articles/section/{politics.pk}/change/",
                {"name": "Government", "slug": "politics", "description": "", "position": 0},
            )
        self.assertEqual(response.status_code, 302)
        touched = self.assert_exactly_the_files_that_show_the_change()
        deeper = [p for p in touched if p.startswith("section/politics/after/")]
        self.assertTrue(deeper)  # every page of the list names it
        for path in ["section/politics/index.html", *deeper]:
            self.assertIn(b"Government", (self.folder / path).read_bytes(), path)
        # The navigation names every section: each page shows the new name, feeds too.
        self.assertIn("section/sport/index.html", touched)
        self.assertIn(b"Government", (self.folder / "feeds/json/index.json").read_bytes())

    def test_an_approved_comment_rewrites_its_story_page_only(self):
        story = self.site["stories"][2]
        comment = CommentFactory(
            article=story, body="Pending remark", status=Comment.Status.PENDING
        )
        with self.committed():
            comments_moderate(
                comments=Comment.objects.filter(pk=comment.pk),
                status=Comment.Status.APPROVED,
                by=None,
            )
        self.assertEqual(self.touched(), {article_file(story)})
        self.assertIn(b"Pending remark", (self.folder / article_file(story)).read_bytes())


class EmbargoTests(MirrorUpdateTestCase):
    """A scheduled or embargoed story reaches the mirror when the worker's scheduler runs its
    side effects at its time (a task enqueued for that time), through the task the purge
    enqueues or through --watch; not a moment before, whatever is purged meanwhile."""

    def assert_nowhere(self, story: Article) -> None:
        self.assertFalse((self.folder / article_file(story)).exists())
        self.assertFalse((self.folder / f"news/{story.news_id}/index.html").exists())
        for path, (_, _, content) in tree(self.folder).items():
            self.assertNotIn(story.headline.encode(), content, path)
            self.assertNotIn(f"/news/{story.news_id}/".encode(), content, path)

    def test_an_embargoed_story_reaches_the_mirror_at_its_lift_and_not_a_moment_before(self):
        politics = self.site["sections"][0]
        lift = timezone.now() + timedelta(minutes=10)
        with self.committed():
            story = ArticleFactory(
                headline="Embargoed report on the harbour", section=politics, embargo_until=lift
            )
            article_publish(article=story, by=None)
        # Even a purge of every key it will touch, before the lift, brings nothing of it.
        with self.committed():
            purge.keys_purge(article_keys(story))
        self.assert_nowhere(story)
        self.travel(lift - timedelta(seconds=1))
        with self.committed(related=False):
            self.assertEqual(self.run_due_tasks(), 0)
        self.assert_nowhere(story)
        self.travel(lift)
        with self.committed(related=False):
            self.assertEqual(self.run_due_tasks(), 1)  # the story's side effects, at its time
        touched = self.assert_exactly_the_files_that_show_the_change()
        self.assertIn(article_file(story), touched)
        for path in ("index.html", "section/politics/index.html", "feeds/rss/index.rss"):
            self.assertIn(b"Embargoed report", (self.folder / path).read_bytes(), path)

    def test_a_scheduled_story_reaches_the_mirror_at_its_time_through_watch(self):
        sport = self.site["sections"][1]
        at = timezone.now() + timedelta(minutes=30)
        with override_settings(NEWSDESK_MIRROR_DIR=""):  # no task: the watcher alone
            watcher = LogWatcher(self.mirror, settings.NEWSDESK_PURGE_LOG)
            watcher.poll()
            with self.committed():
                story = ArticleFactory(
                    headline="Scheduled preview of the cup final", section=sport, draft=True
                )
                article_schedule(article=story, by=None, at=at)
            watcher.poll()
            self.assert_nowhere(story)
            self.travel(at - timedelta(seconds=1))
            with self.committed(related=False):
                self.assertEqual(self.run_due_tasks(), 0)
            watcher.poll()
            self.assert_nowhere(story)
            self.travel(at)
            with self.committed(related=False):
                self.assertEqual(self.run_due_tasks(), 1)
            self.assert_nowhere(story)  # purged, but nobody has read the purge log yet
            self.assertGreaterEqual(watcher.poll(), 1)
        touched = self.assert_exactly_the_files_that_show_the_change()
        self.assertIn(article_file(story), touched)
        for path in ("index.html", "section/sport/index.html", "sitemap-news.xml"):
            self.assertIn(story.headline.encode(), (self.folder / path).read_bytes(), path)
        self.assertNotIn("section/politics/index.html", touched)


# How updates reach the mirror ----------------------------------------------------------------


class KeepingCurrentTests(TestCase):
    def setUp(self):
        self.story = ArticleFactory(headline="The first story")
        self.folder = Path(tempfile.mkdtemp(prefix="newsdesk-mirror-"))
        self.addCleanup(shutil.rmtree, self.folder, True)
        self.mirror = Mirror.prepare(self.folder)
        self.mirror.export()

    def edit(self, headline: str) -> None:
        self.story.headline = headline
        with self.captureOnCommitCallbacks(execute=True):
            article_save(article=self.story, by=None)

    def page(self) -> str:
        return (self.folder / article_file(self.story)).read_text()

    def test_without_a_base_url_canonical_links_feeds_and_sitemaps_keep_the_origin(self):
        url = ORIGIN + self.story.get_absolute_url()
        self.assertIn(f'<link rel="canonical" href="{url}">', self.page())
        feed = feedparser.parse((self.folder / "feeds/rss/index.rss").read_bytes())
        self.assertEqual([entry.link for entry in feed.entries], [url])
        self.assertIn(
            f"<loc>{ORIGIN}/sitemap-news.xml</loc>", (self.folder / "sitemap.xml").read_text()
        )

    def test_the_site_registers_the_mirror_with_every_purge_when_a_folder_is_set(self):
        with override_settings(NEWSDESK_MIRROR_DIR=str(self.folder)):
            apps.get_app_config("site").ready()
            self.assertIn(mirror_purge_listener, purge._listeners)
            self.edit("Seen through the purge")
        self.assertIn("Seen through the purge", self.page())

    def test_without_a_folder_a_purge_leaves_the_mirror_alone(self):
        purge.purge_listener(mirror_purge_listener)
        self.edit("Not on the mirror")
        self.assertNotIn("Not on the mirror", self.page())

    def test_keys_purged_while_another_process_updates_are_applied_by_it_and_never_lost(self):
        with self.mirror._lock(wait=True):
            other = Mirror(self.folder)
            self.story.headline = "Changed while the mirror was busy"
            self.story.save()
            self.assertEqual(other.keys_purged([f"article-{self.story.news_id}"]), [])
            self.assertTrue(self.mirror.index.pending_any())
        [report] = self.mirror.drain()
        self.assertIn(article_file(self.story), report.written)
        self.assertFalse(self.mirror.index.pending_any())

    def test_a_file_is_written_under_a_hidden_name_and_renamed_over_the_old_one(self):
        path = self.folder / article_file(self.story)
        old = path.read_bytes()
        opened, renamed = [], []
        real_open, real_replace = open, os.replace

        def spy_open(file, mode="r", *args, **kwargs):
            if "w" in mode or "a" in mode:
                opened.append(Path(file))
            return real_open(file, mode, *args, **kwargs)

        def spy_replace(source, target):
            renamed.append((Path(source), Path(target)))
            return real_replace(source, target)

        with (
            real_open(path, "rb") as reader,  # a host sending the file as it is replaced
            mock.patch("newsdesk.site.mirror.produce.open", spy_open, create=True),
            mock.patch("newsdesk.site.mirror.produce.os.replace", spy_replace),
        ):
            self.story.headline = "Written beside, then renamed"
            self.story.save()
            self.mirror.keys_purged([f"article-{self.story.news_id}"])
            self.assertEqual(reader.read(), old)  # the old copy, whole
        self.assertIn("Written beside, then renamed", self.page())
        self.assertTrue(opened)
        self.assertIn(path, [target for _, target in renamed])
        for source, target in renamed:
            self.assertIn(source, opened)
            self.assertEqual(source.parent, target.parent)  # a rename, never a copy across
            self.assertTrue(source.name.startswith("."), source)  # hosts serve no dot files
        self.assertNotIn(path, opened)  # never written in place

    def test_a_write_that_fails_leaves_the_old_file_whole_and_no_temporary_file(self):
        before = self.page()
        self.story.headline = "Never half written"
        self.story.save()
        failing = mock.patch(
            "newsdesk.site.mirror.produce.os.replace", side_effect=OSError("disk full")
        )
        with failing, self.assertRaises(OSError):
            self.mirror.keys_purged([f"article-{self.story.news_id}"])
        self.assertEqual(self.page(), before)
        leftovers = list(self.folder.rglob(".*.tmp"))
        self.assertEqual(leftovers, [])
        self.mirror.drain()  # its keys were kept: the next update writes it
        self.assertIn("Never half written", self.page())

    def test_an_update_that_fails_keeps_its_keys_for_the_next(self):
        self.story.headline = "Second try"
        self.story.save()
        failing = mock.patch.object(self.mirror.producer(), "run", side_effect=OSError("disk full"))
        with failing, self.assertRaises(OSError):
            self.mirror.keys_purged([f"article-{self.story.news_id}"])
        self.assertTrue(self.mirror.index.pending_any())
        self.mirror.drain()
        self.assertIn("Second try", self.page())

    def test_watch_applies_what_the_purge_log_says_even_across_its_replacement(self):
        watcher = LogWatcher(self.mirror, settings.NEWSDESK_PURGE_LOG)
        watcher.poll()  # from where the export began
        self.edit("Seen by the watcher")  # purge_run appends to the purge log
        self.assertGreaterEqual(watcher.poll(), 1)
        self.assertIn("Seen by the watcher", self.page())
        self.edit("Written just before the log was replaced")
        log = Path(settings.NEWSDESK_PURGE_LOG)
        replacement = log.with_name("replacement.log")
        replacement.write_bytes(b"")
        os.replace(replacement, log)
        watcher.poll()
        self.assertIn("Written just before the log was replaced", self.page())
        self.edit("Written to the new log")
        watcher.poll()
        self.assertIn("Written to the new log", self.page())


class CommandTests(TestCase):
    def setUp(self):
        self.folder = Path(tempfile.mkdtemp(prefix="newsdesk-mirror-"))
        self.addCleanup(shutil.rmtree, self.folder, True)

    def test_the_command_exports_and_a_second_run_writes_only_what_changed(self):
        story = ArticleFactory(headline="Exported by the command")
        out = io.StringIO()
        call_command("mirror", str(self.folder / "site"), stdout=out)
        self.assertIn("written", out.getvalue())
        self.assertTrue((self.folder / "site" / article_file(story)).exists())
        out = io.StringIO()
        call_command("mirror", str(self.folder / "site"), stdout=out)
        self.assertIn("\n0 file(s) written", out.getvalue())

    def test_bad_input_is_refused_with_what_to_do(self):
        (self.folder / "notes.txt").write_text("mine")
        with self.assertRaisesMessage(CommandError, "is not empty and holds no Newsdesk mirror"):
            call_command("mirror", str(self.folder))
        with self.assertRaisesMessage(CommandError, "served from the root of its host"):
            call_command("mirror", str(self.folder / "new"), "--base-url", "https://m.example/x")
        with (
            override_settings(NEWSDESK_PURGE_LOG=None),
            self.assertRaisesMessage(CommandError, "NEWSDESK_MIRROR_DIR"),
        ):
            call_command("mirror", str(self.folder / "new"), "--watch")
        self.assertEqual((self.folder / "notes.txt").read_text(), "mine")

    def test_the_checks_say_what_is_wrong_with_the_mirror_settings(self):
        with override_settings(
            NEWSDESK_MIRROR_DIR=str(self.folder),
            NEWSDESK_MIRROR_COMMENTS="form",
            NEWSDESK_MIRROR_BASE_URL="mirror.example",
        ):
            ids = {problem.id for problem in mirror_settings_check()}
        self.assertEqual(ids, {"site.E001", "site.E002", "site.W001"})
        Mirror.prepare(self.folder).export()
        with override_settings(NEWSDESK_MIRROR_DIR=str(self.folder)):
            self.assertEqual(mirror_settings_check(), [])
