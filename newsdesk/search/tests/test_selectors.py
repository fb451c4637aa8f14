import random
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import time_machine
from django.test import TestCase
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from newsdesk.articles.models import Article
from newsdesk.articles.services import article_unpublish
from newsdesk.articles.tests.plain_factories import ArticleFactory, KeywordFactory, SectionFactory

from ..backends import backend_for
from ..query import parse_query
from ..selectors import Sort, search_articles


def found(text, **filters):
    return [h.article.headline for h in search_articles(query=parse_query(text), **filters).hits]


class SearchMatchingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        ArticleFactory(
            headline="Peace talks resume in Kabul", body="<p>Delegates met on Monday.</p>"
        )
        ArticleFactory(headline="Elections in Iran", body="<p>Voters chose a new parliament.</p>")
        ArticleFactory(
            headline="Football results", body="<p>The talks about transfers stalled.</p>"
        )

    def test_every_word_must_match(self):
        self.assertEqual(found("peace kabul"), ["Peace talks resume in Kabul"])
        self.assertEqual(found("peace iran"), [])

    def test_english_words_match_their_other_forms(self):
        self.assertEqual(found("election"), ["Elections in Iran"])
        self.assertEqual(found("voter"), ["Elections in Iran"])

    def test_phrase_needs_the_words_together(self):
        self.assertEqual(found('"talks resume"'), ["Peace talks resume in Kabul"])
        self.assertEqual(found('"resume talks"'), [])

    def test_prefix_matches_the_start_of_words(self):
        self.assertEqual(found("parliam*"), ["Elections in Iran"])

    def test_minus_leaves_stories_out(self):
        self.assertEqual(found("talks -football"), ["Peace talks resume in Kabul"])

    def test_headline_hits_rank_above_body_hits(self):
        self.assertEqual(found("talks"), ["Peace talks resume in Kabul", "Football results"])

    def test_body_html_is_searched_as_text_not_markup(self):
        ArticleFactory(
            headline="Markup",
            body='<p><strong>Bold</strong> <a href="https://x.example/">link</a></p>',
        )
        self.assertEqual(found("strong"), [])
        self.assertEqual(found("bold"), ["Markup"])

    def test_keywords_are_searched(self):
        ArticleFactory(headline="Untitled", keywords=[KeywordFactory(name="Taliban")])
        self.assertEqual(found("taliban"), ["Untitled"])

    def test_query_of_nothing_finds_nothing(self):
        self.assertEqual(found(""), [])
        self.assertEqual(found('-talks ""'), [])


class SearchPhraseTests(TestCase):
    """A phrase finds the stories holding its words together and in order, nothing else."""

    @classmethod
    def setUpTestData(cls):
        ArticleFactory(headline="Peace talks resume in Kabul", body="<p>Delegates met.</p>")
        ArticleFactory(headline="Talks stall", body="<p>They resume in Kabul next week.</p>")
        ArticleFactory(headline="Resume talks", body="<p>Then peace, they said.</p>")
        # Both pairs of "peace talks resume", but never the three words in a row.
        ArticleFactory(headline="Peace talks end", body="<p>Later talks resume.</p>")

    def test_a_phrase_needs_its_words_side_by_side_and_in_order(self):
        self.assertEqual(
            sorted(found('"talks resume"')), ["Peace talks end", "Peace talks resume in Kabul"]
        )
        self.assertEqual(found('"resume talks"'), ["Resume talks"])

    def test_a_longer_phrase_needs_every_word_in_a_row(self):
        self.assertEqual(found('"peace talks resume"'), ["Peace talks resume in Kabul"])

    def test_a_phrase_holding_a_stop_word_is_found(self):
        # PostgreSQL leaves "in" out of its index: the phrase's other words are a pair apart.
        self.assertEqual(
            sorted(found('"resume in kabul"')), ["Peace talks resume in Kabul", "Talks stall"]
        )
        self.assertEqual(found('"talks resume in kabul"'), ["Peace talks resume in Kabul"])

    def test_an_excluded_phrase_leaves_out_only_the_stories_holding_it(self):
        self.assertEqual(sorted(found('talks -"talks resume"')), ["Resume talks", "Talks stall"])
        self.assertEqual(sorted(found('"talks resume" -kabul')), ["Peace talks end"])

    def test_a_phrase_follows_edits(self):
        article = ArticleFactory(headline="Harvest festival opens")
        self.assertEqual(found('"harvest festival"'), ["Harvest festival opens"])
        article.headline = "Festival of the harvest"
        article.save()
        self.assertEqual(found('"harvest festival"'), [])
        self.assertEqual(found('"festival of the harvest"'), ["Festival of the harvest"])


class SearchSnippetTests(TestCase):
    def test_snippet_marks_hits_and_escapes_article_text(self):
        ArticleFactory(
            headline="Snippet", body="<p>Fish &lt;script&gt;alert(1)&lt;/script&gt; and chips</p>"
        )
        [hit] = search_articles(query=parse_query("chips")).hits
        self.assertIn("<mark>chips</mark>", hit.snippet)
        self.assertIn("&lt;script&gt;", hit.snippet)
        self.assertNotIn("<script>", hit.snippet)


class SearchVisibilityTests(TestCase):
    def test_drafts_are_never_found(self):
        ArticleFactory(headline="Secret plan", status=Article.Status.DRAFT)
        self.assertEqual(found("secret"), [])

    def test_future_publication_is_hidden_until_its_time(self):
        ArticleFactory(
            headline="Embargoed budget", published_at=timezone.now() + timedelta(hours=2)
        )
        self.assertEqual(found("budget"), [])
        with time_machine.travel(timezone.now() + timedelta(hours=3)):
            self.assertEqual(found("budget"), ["Embargoed budget"])

    def test_unpublished_story_disappears_at_once(self):
        article = ArticleFactory(headline="Retracted claim")
        article_unpublish(article=article, by=None)
        self.assertEqual(found("retracted"), [])


class SearchIndexFollowsEditsTests(TestCase):
    def test_edited_headline_is_found_by_its_new_words_only(self):
        article = ArticleFactory(headline="Old words")
        article.headline = "Fresh words"
        article.save()
        self.assertEqual(found("fresh"), ["Fresh words"])
        self.assertEqual(found("old"), [])

    def test_prefix_search_follows_edits_and_deletions(self):
        article = ArticleFactory(headline="Governments meet")
        self.assertEqual(found("governm*"), ["Governments meet"])
        article.headline = "Ministers meet"
        article.save()
        self.assertEqual(found("governm*"), [])
        self.assertEqual(found("minist*"), ["Ministers meet"])
        article.delete()
        self.assertEqual(found("minist*"), [])

    def test_edited_body_is_reindexed(self):
        article = ArticleFactory(headline="Body edit", body="<p>before</p>")
        Article.objects.filter(pk=article.pk).update(body="<p>afterwards</p>")
        self.assertEqual(found("afterwards"), ["Body edit"])
        self.assertEqual(found("before"), [])

    def test_added_removed_and_renamed_keywords_follow(self):
        article = ArticleFactory(headline="Tagged")
        keyword = KeywordFactory(name="Glacier")
        article.keywords.add(keyword)
        self.assertEqual(found("glacier"), ["Tagged"])
        keyword.name = "Iceberg"
        keyword.save()
        self.assertEqual(found("glacier"), [])
        self.assertEqual(found("iceberg"), ["Tagged"])
        article.keywords.remove(keyword)
        self.assertEqual(found("iceberg"), [])

    def test_deleted_keyword_and_article_leave_the_index(self):
        keyword = KeywordFactory(name="Volcano")
        article = ArticleFactory(headline="Eruption", keywords=[keyword])
        keyword.delete()
        self.assertEqual(found("volcano"), [])
        article.delete()
        self.assertEqual(found("eruption"), [])
        ArticleFactory(headline="Another eruption")
        self.assertEqual(found("eruption"), ["Another eruption"])


class SearchFilterTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = SectionFactory(name="World", slug="world")
        cls.sport = SectionFactory(name="Sport", slug="sport")
        cls.keyword = KeywordFactory(name="Summit")
        ArticleFactory(
            headline="Summit opens",
            section=cls.world,
            keywords=[cls.keyword],
            published_at=datetime(2021, 4, 14, 1, 40, tzinfo=UTC),
        )
        ArticleFactory(
            headline="Summit of the league",
            section=cls.sport,
            published_at=datetime(2021, 4, 16, 9, 0, tzinfo=UTC),
        )

    def test_section_filter(self):
        self.assertEqual(found("summit", section=self.sport), ["Summit of the league"])

    def test_keyword_filter(self):
        self.assertEqual(found("summit", keyword=self.keyword), ["Summit opens"])

    def test_date_range_includes_both_days(self):
        self.assertEqual(
            found("summit", published_from=date(2021, 4, 14), published_to=date(2021, 4, 14)),
            ["Summit opens"],
        )
        self.assertEqual(
            found("summit", published_from=date(2021, 4, 15)), ["Summit of the league"]
        )

    def test_wide_date_ranges_find_the_same_stories(self):
        ArticleFactory(headline="Summit today")
        # Ranges holding more stories than the scan allows: in the past (exact bounds, read in
        # full) and running to today (no bounds: the newest matches are the range's).
        with mock.patch("newsdesk.search.selectors.DATE_RANGE_SCAN", 1):
            self.assertEqual(
                sorted(
                    found("summit", published_from=date(2021, 4, 1), published_to=date(2021, 4, 30))
                ),
                ["Summit of the league", "Summit opens"],
            )
            self.assertEqual(
                sorted(found("summit", published_from=date(2021, 4, 15))),
                ["Summit of the league", "Summit today"],
            )

    def test_date_range_still_hides_embargoed_stories(self):
        ArticleFactory(
            headline="Summit embargoed",
            published_at=datetime(2021, 4, 14, 3, 0, tzinfo=UTC),
            embargo_until=timezone.now() + timedelta(days=1),
        )
        self.assertEqual(
            found("summit", published_from=date(2021, 4, 14), published_to=date(2021, 4, 14)),
            ["Summit opens"],
        )

    def test_newest_first_sort(self):
        self.assertEqual(
            found("summit", sort=Sort.NEWEST), ["Summit of the league", "Summit opens"]
        )


class SearchPagingTests(TestCase):
    def test_pages_follow_one_another_without_overlap(self):
        for n in range(5):
            ArticleFactory(headline=f"Harvest report {n}")
        first = search_articles(query=parse_query("harvest"), size=3)
        second = search_articles(query=parse_query("harvest"), size=3, page=2)
        self.assertTrue(first.has_next)
        self.assertFalse(second.has_next)
        ids = [h.article.pk for h in first.hits + second.hits]
        self.assertEqual(len(set(ids)), 5)

    def test_a_search_makes_a_fixed_number_of_queries_whatever_the_results(self):
        for n in range(30):
            ArticleFactory(headline=f"Harvest report {n}", section=SectionFactory(slug="farm"))
        with self.assertNumQueries(backend_for().queries_per_search):
            search_articles(query=parse_query("harvest"))


class SearchCandidateTests(TestCase):
    """Common words in a large archive are ranked among the newest matches only."""

    def setUp(self):
        self.backend = backend_for()
        if not hasattr(self.backend, "CANDIDATES"):
            self.skipTest(f"the {self.backend.vendor} backend ranks every match")

    def needs_scattered_scoring(self):
        if not hasattr(self.backend, "DENSE"):
            self.skipTest("only SQLite scores scattered candidates on a copy indexed in memory")

    def test_ranking_reads_only_the_newest_matches(self):
        old = ArticleFactory(
            headline="Harvest harvest harvest", published_at=timezone.now() - timedelta(days=900)
        )
        for n in range(4):
            ArticleFactory(headline=f"Report {n}", body="<p>The harvest was late.</p>")
        with mock.patch.object(type(self.backend), "CANDIDATES", 3):
            first = found("harvest")
            self.assertEqual(len(first), 3)
            self.assertNotIn(old.headline, first)
            # A date range reaches older stories: the window is taken within it.
            self.assertEqual(
                found("harvest", published_to=date.today() - timedelta(days=800)), [old.headline]
            )
        # Without the cap, the headline hit ranks first.
        self.assertEqual(found("harvest")[0], old.headline)

    def test_the_results_say_when_only_the_newest_matches_were_ranked(self):
        for n in range(4):
            ArticleFactory(headline=f"Harvest report {n}")
        ArticleFactory(headline="Harvest draft", status=Article.Status.DRAFT)
        backend = type(self.backend)
        for sort in Sort.CHOICES:
            with self.subTest(sort=sort), mock.patch.object(backend, "CANDIDATES", 3):
                self.assertEqual(
                    search_articles(query=parse_query("harvest"), sort=sort).ranked_only, 3
                )
                second = search_articles(query=parse_query("harvest"), sort=sort, size=2, page=2)
                self.assertEqual((len(second.hits), second.ranked_only), (1, 3))
            with self.subTest(sort=sort), mock.patch.object(backend, "CANDIDATES", 5):
                self.assertIsNone(
                    search_articles(query=parse_query("harvest"), sort=sort).ranked_only
                )

    def test_candidates_are_the_newest_visible_matches_passing_the_filters(self):
        sport = SectionFactory(slug="sport")
        wanted = ArticleFactory(headline="Harvest in sport", section=sport)
        for n in range(5):
            ArticleFactory(headline=f"Harvest news {n}")
        ArticleFactory(headline="Harvest draft", status=Article.Status.DRAFT, section=sport)
        with mock.patch.object(type(self.backend), "CANDIDATES", 2):
            self.assertEqual(found("harvest", section=sport), [wanted.headline])

    def test_within_the_window_hits_rank_by_the_columns_that_hold_each_word(self):
        body = ArticleFactory(headline="Weather", body="<p>Rain over the harvest.</p>")
        both = ArticleFactory(headline="Harvest rain", body="<p>Wet fields.</p>")
        one = ArticleFactory(headline="Harvest ends", body="<p>Rain later.</p>")
        kw = ArticleFactory(
            headline="Fields", body="<p>Rain, harvest.</p>", keywords=[KeywordFactory(name="Rain")]
        )
        expected = [both.headline, one.headline, kw.headline, body.headline]
        self.assertEqual(found("harvest rain"), expected)
        self.needs_scattered_scoring()
        # Scattered candidates are scored on a copy of their text indexed in memory: same order.
        with mock.patch.object(type(self.backend), "DENSE", 0):
            self.assertEqual(found("harvest rain"), expected)

    def test_scattered_candidates_beyond_those_scored_follow_newest_first(self):
        self.needs_scattered_scoring()
        older = ArticleFactory(headline="Harvest", published_at=timezone.now() - timedelta(days=2))
        newer = ArticleFactory(headline="Report", body="<p>The harvest.</p>")
        newest = ArticleFactory(headline="Note", body="<p>A harvest.</p>")
        backend = type(self.backend)
        with (
            mock.patch.object(backend, "DENSE", 0),
            mock.patch.object(backend, "SCATTERED_SCORED", 1),
        ):
            self.assertEqual(found("harvest"), [newest.headline, newer.headline, older.headline])
        self.assertEqual(found("harvest")[0], older.headline)

    def test_wider_windows_fill_a_page_that_the_newest_matches_cannot(self):
        sport = SectionFactory(slug="sport")
        old = ArticleFactory(headline="Harvest in sport", section=sport)
        for n in range(6):
            ArticleFactory(headline=f"Harvest news {n}")
        with mock.patch.object(type(self.backend), "WINDOWS", (2, 4)):
            self.assertEqual(found("harvest", section=sport), [old.headline])
            self.assertEqual(found("harvest", section=sport, sort=Sort.NEWEST), [old.headline])
            self.assertEqual(len(found("harvest")), 7)

    def test_prefixes_and_words_are_intersected_over_the_same_windows(self):
        wanted = ArticleFactory(headline="Government harvest")
        for n in range(6):
            ArticleFactory(headline=f"Harvest news {n}")
            ArticleFactory(headline=f"Governor speaks {n}")
        with mock.patch.object(type(self.backend), "WINDOWS", (2, 4)):
            self.assertEqual(found("harvest governm*"), [wanted.headline])
            self.assertEqual(len(found("harvest -governm*")), 6)
            self.assertEqual(len(found("gov* -harvest")), 6)


class SearchPrefixTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        ArticleFactory(headline="Government falls", body="<p>The cabinet resigned.</p>")
        ArticleFactory(headline="Governor visits", body="<p>A school in the north.</p>")

    def test_prefix_longer_than_the_stem_still_finds_the_word(self):
        # "government" is indexed stemmed as "govern": the prefix must match the written word.
        self.assertEqual(found("governm*"), ["Government falls"])
        self.assertEqual(found("governo*"), ["Governor visits"])
        self.assertEqual(sorted(found("gov*")), ["Government falls", "Governor visits"])

    def test_prefix_combines_with_words_phrases_and_exclusions(self):
        self.assertEqual(found("gov* cabinet"), ["Government falls"])
        self.assertEqual(found('gov* "in the north"'), ["Governor visits"])
        self.assertEqual(found("gov* -school"), ["Government falls"])
        self.assertEqual(found("cabinet -governm*"), [])
        self.assertEqual(found("gov* -governm*"), ["Governor visits"])

    def test_prefix_hits_are_marked_in_snippets(self):
        [hit] = search_articles(query=parse_query("cabin*")).hits
        self.assertIn("<mark>cabinet</mark>", hit.snippet)


_VOCABULARY = ["harvest", "rain", "government", "governor", "fields", "market", "prices"]
_clauses = st.builds(
    lambda word, kind: {
        "word": word,
        "prefix": word[:4] + "*",
        "exclude": "-" + word,
        "excluded prefix": "-" + word[:5] + "*",
        "phrase": f'"{word} {_VOCABULARY[(_VOCABULARY.index(word) + 1) % len(_VOCABULARY)]}"',
    }[kind],
    st.sampled_from(_VOCABULARY),
    st.sampled_from(["word", "prefix", "exclude", "excluded prefix", "phrase"]),
)


class SearchWindowPropertyTests(HypothesisTestCase):
    """Walking the index in small windows, and scoring candidates as scattered, change nothing
    while the candidates are not capped: same stories, same order."""

    @classmethod
    def setUpTestData(cls):
        rng = random.Random(5)
        for n in range(14):
            words = rng.sample(_VOCABULARY, 4)
            ArticleFactory(
                headline=" ".join(words[:2]).capitalize(),
                summary=words[2] if n % 3 else "",
                body=f"<p>{' '.join(rng.sample(_VOCABULARY, 5))}.</p>",
                published_at=timezone.now() - timedelta(days=n),
            )

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(clauses=st.lists(_clauses, min_size=1, max_size=4), newest=st.booleans())
    def test_small_windows_and_scattered_scoring_give_the_same_results(self, clauses, newest):
        backend = type(backend_for())
        if not hasattr(backend, "WINDOWS"):
            return
        text = " ".join(clauses)
        sort = Sort.NEWEST if newest else Sort.RELEVANCE
        expected = found(text, sort=sort)
        with (
            mock.patch.object(backend, "WINDOWS", (1, 2)),
            # SQLite also scores them as scattered; PostgreSQL has no such path (unused there).
            mock.patch.object(backend, "DENSE", 0, create=not hasattr(backend, "DENSE")),
        ):
            self.assertEqual(found(text, sort=sort), expected)
