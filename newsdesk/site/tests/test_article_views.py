"""The reader site (issue 2, section 3): article page, home, section and keyword pages."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from newsdesk.articles.models import Article
from newsdesk.articles.tests.factories import (
    REFERENCE_TIME,
    ArticleFactory,
    AuthorFactory,
    KeywordFactory,
    SectionFactory,
)
from newsdesk.articles.tests.html import find_all, one, parse, text, unlabelled_inputs
from newsdesk.comments.tests.factories import comment_create

REFERENCE_BODY = (
    "<p>A coalition of troops will leave in coordination with a planned withdrawal.</p>\n"
    "<h2>Taliban to boycott Turkey summit</h2>\n"
    "<p>The Taliban said it will not attend a summit on Afghanistan's future.</p>"
)


class ArticleUrlTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.article = ArticleFactory(
            news_id=302156, headline="US says NATO forces to leave together"
        )

    def test_canonical_url_answers_200(self):
        response = self.client.get("/news/302156/us-says-nato-forces-to-leave-together/")
        self.assertEqual(response.status_code, 200)

    def test_news_id_alone_redirects_permanently_to_the_canonical_url(self):
        response = self.client.get("/news/302156/")
        self.assertRedirects(
            response,
            self.article.get_absolute_url(),
            status_code=301,
            fetch_redirect_response=False,
        )

    def test_stale_slug_redirects_permanently_to_the_canonical_url(self):
        response = self.client.get("/news/302156/an-old-headline/")
        self.assertRedirects(
            response,
            self.article.get_absolute_url(),
            status_code=301,
            fetch_redirect_response=False,
        )

    def test_unknown_news_id_is_404(self):
        self.assertEqual(self.client.get("/news/999999/").status_code, 404)
        self.assertEqual(self.client.get("/news/999999/some-slug/").status_code, 404)

    def test_draft_is_404_to_readers(self):
        draft = ArticleFactory(draft=True)
        self.assertEqual(self.client.get(f"/news/{draft.news_id}/").status_code, 404)
        self.assertEqual(self.client.get(draft.get_absolute_url()).status_code, 404)

    def test_future_publication_is_404_until_its_time(self):
        later = ArticleFactory(published_at=timezone.now() + timedelta(hours=2))
        self.assertEqual(self.client.get(f"/news/{later.news_id}/").status_code, 404)
        self.assertEqual(self.client.get(later.get_absolute_url()).status_code, 404)


class ArticlePageTests(TestCase):
    """Every element of the reference page (shared/seed/news-302156.txt)."""

    @classmethod
    def setUpTestData(cls):
        cls.keywords = [
            KeywordFactory(name="NATO", slug="nato"),
            KeywordFactory(name="Afghanistan"),
        ]
        cls.article = ArticleFactory(
            news_id=302156,
            headline="US says NATO forces to leave together from Afghanistan",
            body=REFERENCE_BODY,
            published_at=REFERENCE_TIME,
            keywords=cls.keywords,
            authors=[AuthorFactory(name="Staff Reporter")],
            source_credits="Reuters, AFP",
        )
        comment_create(cls.article, name="Reader One", body="First approved comment.")
        comment_create(cls.article, name="Reader Two", body="Second approved comment.")
        comment_create(
            cls.article, name="Pending Person", body="Not yet moderated.", approved=False
        )

    def setUp(self):
        self.response = self.client.get(self.article.get_absolute_url())
        self.assertEqual(self.response.status_code, 200)
        self.html = self.response.content.decode()
        self.doc, self.errors = parse(self.response.content)
        self.body = one(self.doc, "body")

    def test_shows_the_news_id(self):
        self.assertIn("News ID: 302156", text(one(self.body, "p", "news-id")))

    def test_publication_time_is_in_the_reference_format_inside_a_machine_readable_time(self):
        self.assertIn(
            'Published: <time datetime="2021-04-14T01:40:00Z">0140 GMT April 14, 2021</time>',
            self.html,
        )

    def test_headline_appears_once_in_the_page_as_its_only_h1(self):
        h1 = one(self.doc, "h1")
        self.assertEqual(text(h1), self.article.headline)
        self.assertEqual(text(self.body).count(self.article.headline), 1)

    def test_body_keeps_paragraphs_and_sub_headings_as_headings(self):
        body = one(self.body, "div", "body")
        self.assertEqual(
            [text(h) for h in find_all(body, "h2")], ["Taliban to boycott Turkey summit"]
        )
        self.assertEqual(len(find_all(body, "p")), 2)

    def test_keywords_link_to_their_keyword_pages(self):
        links = find_all(one(self.body, "section", "keywords"), "a")
        self.assertEqual(
            sorted((text(a), a.get("href")) for a in links),
            sorted((k.name, k.get_absolute_url()) for k in self.keywords),
        )
        self.assertIn("KeyWords", text(one(self.body, "section", "keywords")))
        keyword_page = self.client.get(self.keywords[0].get_absolute_url())
        self.assertContains(keyword_page, self.article.get_absolute_url())

    def test_shows_approved_comments_only_with_their_count(self):
        comments = one(self.body, "section", "comments")
        self.assertIn("(2)", text(one(comments, "h2")))
        shown = text(comments)
        self.assertIn("First approved comment.", shown)
        self.assertIn("Second approved comment.", shown)
        self.assertNotIn("Not yet moderated.", shown)
        self.assertNotIn("Pending Person", shown)

    def test_commenters_emails_never_appear(self):
        self.assertNotIn("reader@example.org", self.html)

    def test_comments_offer_a_write_link_that_works_without_script(self):
        # The form itself, with its Security Key, is served to the reader who starts to write
        # (newsdesk/comments/tests/test_writing.py); the page is the same for everyone.
        comments = one(self.body, "section", "comments")
        write = [a for a in find_all(comments, "a") if text(a) == "Write a comment"]
        self.assertEqual([a.get("href") for a in write], ["/comments/302156/write/"])
        self.assertEqual(find_all(comments, "form"), [])

    def test_footer_shows_the_page_generation_time_and_a_server_timing_header(self):
        footer = text(one(self.body, "footer"))
        self.assertRegex(footer, r"Page generated in \d+\.\d+ sec")
        self.assertRegex(self.response["Server-Timing"], r"^app;dur=\d+(\.\d+)?$")

    def test_credits_byline_and_section_are_shown(self):
        self.assertIn("Sources: Reuters, AFP", text(one(self.body, "p", "credits")))
        self.assertIn("Staff Reporter", text(one(self.body, "p", "byline")))

    def test_markup_is_valid_html(self):
        self.assertEqual(self.errors, [])

    def test_accessible_basics_language_one_h1_and_labelled_controls(self):
        self.assertTrue(self.doc.get("lang"))
        self.assertEqual(len(find_all(self.doc, "h1")), 1)
        self.assertEqual(unlabelled_inputs(self.doc), [])

    def test_markup_in_a_headline_is_shown_as_text(self):
        article = ArticleFactory(headline="Courts <finally> open & lit")
        response = self.client.get(article.get_absolute_url())
        self.assertContains(response, "<h1>Courts &lt;finally&gt; open &amp; lit</h1>", html=False)


@override_settings(LANGUAGE_CODE="fa")
class PersianLocaleTests(TestCase):
    def test_page_time_uses_the_persian_decimal_separator(self):
        article = ArticleFactory()
        response = self.client.get(article.get_absolute_url())
        footer = text(one(parse(response.content)[0], "footer"))
        # Django's own "fa" formats use "."; the site's format module gives the momayyez (U+066B).
        self.assertRegex(footer, r"\d+\u066b\d+")


@override_settings(NEWSDESK_PAGE_SIZE=5)
class ListingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = SectionFactory(name="Local", slug="local")
        cls.keyword = KeywordFactory(name="harbour", slug="harbour")
        now = timezone.now()
        cls.articles = [
            ArticleFactory(
                section=cls.section,
                keywords=[cls.keyword],
                # Two share a time: the id breaks the tie, so no story is lost between pages.
                published_at=now - timedelta(hours=n if n != 7 else 6),
                is_top_story=n < 2,
            )
            for n in range(12)
        ]
        ArticleFactory(draft=True, section=cls.section, keywords=[cls.keyword])
        ArticleFactory(published_at=now + timedelta(days=1), section=cls.section)

    def walk(self, url: str) -> list[str]:
        """Follow the 'next' links from `url`; the headlines seen, page after page."""
        seen = []
        for _ in range(10):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200)
            doc, errors = parse(response.content)
            self.assertEqual(errors, [])
            seen += [text(h) for h in find_all(one(doc, "ol", "story-list"), "h3")]
            following = [a for a in find_all(doc, "a") if a.get("rel") == "next"]
            if not following:
                return seen
            cursor = parse_qs(urlsplit(following[0].get("href")).query)["after"][0]
            url = f"{urlsplit(url).path}?after={cursor}"
        self.fail("pagination did not end")

    def expected(self) -> list[str]:
        published = Article.objects.published().order_by("-published_at", "-id")
        return list(published.values_list("headline", flat=True))

    def test_home_pages_through_every_published_story_once_newest_first(self):
        self.assertEqual(self.walk(reverse("site:home")), self.expected())

    def test_section_pages_through_its_published_stories(self):
        self.assertEqual(self.walk(self.section.get_absolute_url()), self.expected())

    def test_keyword_pages_through_its_published_stories(self):
        self.assertEqual(self.walk(self.keyword.get_absolute_url()), self.expected())

    def test_home_shows_top_stories_on_the_first_page(self):
        response = self.client.get(reverse("site:home"))
        top = one(parse(response.content)[0], "section", "top-stories")
        self.assertEqual(
            {text(h) for h in find_all(top, "h3")}, {a.headline for a in self.articles[:2]}
        )

    def test_bad_cursor_is_a_400_with_a_message(self):
        for url in (
            reverse("site:home"),
            self.section.get_absolute_url(),
            self.keyword.get_absolute_url(),
        ):
            response = self.client.get(url, {"after": "not-a-cursor!"})
            self.assertEqual(response.status_code, 400)
            self.assertContains(response, "This page link is not valid", status_code=400)

    def test_unknown_section_and_keyword_are_404(self):
        self.assertEqual(self.client.get("/section/nowhere/").status_code, 404)
        self.assertEqual(self.client.get("/keyword/nothing/").status_code, 404)


class ArticlePageQueryBudgetTests(TestCase):
    """The article page costs the same number of queries whatever the archive holds, and
    whatever was kept before: a rendering reads everything it shows."""

    # The article with its section, lead image and comment settings; its keywords; its authors;
    # its approved comments; its translations; its related stories (stored when it was
    # published: newsdesk/search). The navigation's sections are one more, read once and kept
    # until a section changes (core.pagecache.kept).
    QUERIES = 6

    def article_with_everything(self, n: int = 0) -> Article:
        article = ArticleFactory(
            headline=f"Harbour council approves plan number {n}",
            keywords=[KeywordFactory() for _ in range(5)],
            authors=[AuthorFactory(), AuthorFactory()],
        )
        for i in range(3):
            comment_create(article, name=f"Reader {i}")
        return article

    def fill_archive(self, count: int) -> None:
        for n in range(count):
            filler = ArticleFactory(headline=f"Quarterly rainfall figures published {n}")
            comment_create(filler)

    def assertBudget(self, article: Article) -> None:
        from django.core.cache import caches

        for cold in (True, False):
            with self.subTest(cold=cold):
                if cold:
                    for cache in caches.all():
                        cache.clear()
                with self.assertNumQueries(self.QUERIES + cold):
                    response = self.client.get(article.get_absolute_url())
                self.assertEqual(response.status_code, 200)

    def test_same_count_with_one_article_or_fifty(self):
        article = self.article_with_everything()
        self.assertBudget(article)
        self.fill_archive(49)
        self.assertBudget(article)

    def test_bare_article_costs_no_more(self):
        self.assertBudget(ArticleFactory())
