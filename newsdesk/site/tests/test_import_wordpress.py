"""`newsdesk import-wordpress` (issue 16, section 2): posts, sections, keywords, authors,
pictures, comments and old addresses from a WordPress export, idempotent."""

from __future__ import annotations

import io
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import TestCase
from PIL import Image as PILImage

from newsdesk.articles.models import Article, Image, Section
from newsdesk.comments.models import Comment
from newsdesk.comments.privacy import email_digest
from newsdesk.ingest.models import LegacyUrl
from newsdesk.ingest.parsers.wxr import WxrItem
from newsdesk.ingest.wordpress import ImageRefused, wordpress_image_import

EXPORT = (
    Path(__file__).resolve().parents[2]
    / "ingest"
    / "tests"
    / "fixtures"
    / "wordpress"
    / "export.xml"
)


def run(*args: str) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    status = 0
    try:
        call_command("import-wordpress", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        status = exit_.code
    return out.getvalue(), err.getvalue(), status


def attachment(post_id: int, url: str) -> WxrItem:
    return WxrItem(
        post_id=post_id,
        post_type="attachment",
        title="x",
        link="",
        content="",
        excerpt="",
        status="inherit",
        date_gmt=None,
        date_local=None,
        slug="x",
        sticky=False,
        creator="",
        attachment_url=url,
    )


def uploads_folder(root: Path) -> Path:
    folder = root / "uploads" / "2024" / "01"
    folder.mkdir(parents=True)
    PILImage.new("RGB", (64, 48), (200, 30, 30)).save(folder / "bridge.jpg", "JPEG")
    return root / "uploads"


class WordpressImportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="wxr-"))
        cls.uploads = uploads_folder(cls.tmp)
        cls.out, cls.err, cls.status = run(str(EXPORT), "--uploads", str(cls.uploads), "--no-fetch")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)
        super().tearDownClass()

    def post(self, headline_start: str) -> Article:
        return Article.objects.get(headline__startswith=headline_start)

    def test_counts_are_reported_and_a_broken_entry_is_named_and_skipped(self):
        assert "posts: 4 created, 0 updated, 1 skipped, 1 failed." in self.out
        assert "comments: 4 created, 0 updated, 1 skipped, 0 failed." in self.out
        assert "pictures: 1 created, 0 updated, 0 skipped, 0 failed." in self.out
        assert "item 104 was skipped" in self.err and "yesterday-ish" in self.err
        assert self.status == 1  # something failed: the exit status says so

    def test_post_status_dates_slug_excerpt_and_sticky_flag(self):
        post = self.post("Council passes")
        assert post.headline == "Council passes the 2024 budget & a new bridge"
        assert post.status == Article.Status.PUBLISHED
        assert post.published_at == datetime(2024, 1, 12, 17, 30, tzinfo=UTC)
        assert post.slug == "council-passes-budget"
        assert post.summary == "The council voted 7 to 2."
        assert post.is_top_story is True
        draft = self.post("A draft not yet dated")
        assert draft.status == Article.Status.DRAFT and draft.published_at is None
        assert self.post("Ünïcode").slug == "ünïcode-slug"
        # A page and an attachment are not stories.
        assert not Article.objects.filter(headline__in=["About us", "The old bridge"]).exists()

    def test_categories_become_sections_tags_keywords_and_authors_their_display_names(self):
        post = self.post("Council passes")
        assert post.section == Section.objects.get(name="Local Politics")
        assert post.section.slug == "local-politics"
        assert sorted(post.keywords.values_list("name", flat=True)) == ["Bridges", "Budget"]
        assert list(post.authors.values_list("name", flat=True)) == ["María García"]
        assert self.post("Classic editor").section is None  # "Uncategorized" is no section
        assert list(self.post("Classic").authors.values_list("name", flat=True)) == ["Tom O'Neill"]

    def test_body_is_sanitized_with_shortcodes_and_blocks_converted(self):
        body = self.post("Council passes").body
        assert "<script" not in body and "onclick" not in body and "alert" not in body
        assert "wp:paragraph" not in body and "[caption" not in body and "contact-form" not in body
        assert "<h2>What the money buys</h2>" in body
        assert "<figcaption>The old bridge, closed since March.</figcaption>" in body
        assert "[sic]" in body

    def test_featured_and_inline_picture_come_from_the_uploads_folder(self):
        post = self.post("Council passes")
        image = post.lead_image
        assert image is not None and image.alt == "The old bridge over the river"
        assert image.caption == "Closed since March."
        assert image.renditions
        # The body shows our copy, not the old site's sized file.
        assert "courier.example.org/wp-content" not in post.body
        assert image.fallback_url in post.body

    def test_comments_keep_their_state_thread_and_private_email(self):
        comments = {c.name: c for c in Comment.objects.filter(article=self.post("Council"))}
        assert set(comments) == {"Ann Reader", "Bob", "Cy", "Cheap pills"}  # no pingback
        ann, bob, cy = comments["Ann Reader"], comments["Bob"], comments["Cy"]
        assert (ann.status, bob.status, cy.status) == ("approved", "approved", "pending")
        assert comments["Cheap pills"].status == Comment.Status.SPAM
        assert bob.parent == ann
        assert cy.parent == ann  # a reply to a reply joins the first comment
        assert ann.body == "Finally a bridge!"
        assert ann.created_at == datetime(2024, 1, 12, 18, 0, tzinfo=UTC)
        # The address is kept as the privacy design says: a keyed digest and a ciphertext.
        assert ann.email_digest == email_digest("ann@example.com")
        assert "Ann@Example.com" not in ann.email_encrypted
        assert ann.email == "Ann@Example.com"
        assert ann.ip_address == "203.0.113.7"

    def test_importing_again_changes_nothing_and_says_skipped(self):
        before = (Article.objects.count(), Comment.objects.count(), Image.objects.count())
        out, _err, _status = run(str(EXPORT), "--uploads", str(self.uploads), "--no-fetch")
        assert "posts: 0 created, 0 updated, 5 skipped, 1 failed." in out
        assert "comments: 0 created, 0 updated, 5 skipped, 0 failed." in out
        assert "pictures: 0 created, 0 updated, 1 skipped, 0 failed." in out
        after = (Article.objects.count(), Comment.objects.count(), Image.objects.count())
        assert after == before

    def test_a_later_export_updates_what_changed(self):
        later = self.tmp / "later.xml"
        data = EXPORT.read_bytes()
        data = data.replace(
            b"Classic editor post, with plain paragraphs", b"Classic post, retitled"
        )
        # Cy's pending reply was approved on the old site since.
        cy = data.index(b"<![CDATA[Replying to Bob.]]>")
        data = data[:cy] + data[cy:].replace(b"<![CDATA[0]]>", b"<![CDATA[1]]>", 1)
        later.write_bytes(data)
        out, _err, _status = run(str(later), "--uploads", str(self.uploads), "--no-fetch")
        assert "posts: 0 created, 1 updated, 4 skipped, 1 failed." in out
        assert "comments: 0 created, 1 updated, 4 skipped, 0 failed." in out
        assert Article.objects.filter(headline="Classic post, retitled").count() == 1
        assert Comment.objects.get(name="Cy").status == Comment.Status.APPROVED

    def test_old_permalinks_answer_301_to_the_article(self):
        post = self.post("Council passes")
        target = post.get_absolute_url()
        for old in (
            "/2024/01/12/council-passes-budget/",
            "/2024/01/12/council-passes-budget",
            "/2024/01/council-passes-budget/",
            "/council-passes-budget/",
            "/archives/101",
            "/?p=101",
            "/index.php?p=101",
            "/2024/01/12/council-passes-budget/?utm_source=mail",
        ):
            response = self.client.get(old)
            assert response.status_code == 301, old
            assert response["Location"] == target, old
            assert "public" in response["Cache-Control"], old
            assert f"article-{post.news_id}" in response["Surrogate-Key"], old

    def test_an_old_address_of_a_draft_stays_missing(self):
        assert self.client.get("/?p=103").status_code == 200  # the home page, nothing leaked
        assert self.client.get("/archives/103").status_code == 404

    def test_the_redirect_table_is_read_only_on_a_missing_page(self):
        post = self.post("Council passes")
        # The lookup, then the 404 page's own navigation.
        with self.assertNumQueries(2):
            assert self.client.get("/no/such/page/").status_code == 404
        with self.assertNumQueries(1):
            assert self.client.get("/archives/101").status_code == 301
        # An existing page never looks at it.
        LegacyUrl.objects.create(path=post.get_absolute_url(), article=self.post("Classic"))
        assert self.client.get(post.get_absolute_url()).status_code == 200


class WordpressImportEdgeTests(TestCase):
    def test_a_file_that_is_not_an_export_imports_nothing(self):
        tmp = Path(tempfile.mkdtemp(prefix="wxr-"))
        try:
            broken = tmp / "broken.xml"
            broken.write_bytes(EXPORT.read_bytes()[:4000])
            with pytest.raises(Exception, match="not well-formed XML at line"):
                run(str(broken))
            assert Article.objects.count() == 0
        finally:
            shutil.rmtree(tmp)

    def test_a_picture_that_cannot_be_had_is_reported_and_its_post_still_imports(self):
        out, err, status = run(str(EXPORT), "--no-fetch")
        assert "pictures: 0 created, 0 updated, 0 skipped, 1 failed." in out
        assert "post 101: its picture was not imported" in err
        post = Article.objects.get(headline__startswith="Council passes")
        assert post.lead_image is None
        assert (
            "https://courier.example.org/wp-content/uploads/2024/01/bridge-640x480.jpg" in post.body
        )
        assert status == 1

    def test_a_picture_on_a_private_address_is_refused_before_any_connection(self):
        picture = attachment(9, "http://127.0.0.1:9/wp-content/uploads/x.jpg")
        with pytest.raises(ImageRefused, match="private|loopback|refused|not allowed"):
            wordpress_image_import(attachment=picture, blog_url="https://t.example")
        assert Image.objects.count() == 0

    def test_an_uploads_path_never_leaves_the_folder(self):
        tmp = Path(tempfile.mkdtemp(prefix="wxr-"))
        try:
            uploads = uploads_folder(tmp)
            PILImage.new("RGB", (64, 48)).save(tmp / "outside.jpg", "JPEG")
            picture = attachment(10, "https://t.example/wp-content/uploads/../../outside.jpg")
            with pytest.raises(ImageRefused, match="is not in"):
                wordpress_image_import(
                    attachment=picture,
                    blog_url="https://t.example",
                    uploads=uploads,
                    allow_fetch=False,
                )
        finally:
            shutil.rmtree(tmp)
