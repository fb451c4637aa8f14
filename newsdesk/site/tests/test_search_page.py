from unittest import mock

from django.test import TestCase
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from newsdesk.articles.tests.factories import ArticleFactory, KeywordFactory, SectionFactory
from newsdesk.search.backends import backend_for
from newsdesk.search.query import parse_query
from newsdesk.search.selectors import search_articles

URL = reverse("site:search")


class SearchPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = SectionFactory(name="World", slug="world")
        ArticleFactory(
            headline="Peace talks resume",
            body="<p>Delegates met in Kabul.</p>",
            section=cls.section,
        )

    def test_empty_form_is_shown_without_results(self):
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'name="q"')

    def test_results_show_headline_link_and_marked_snippet(self):
        response = self.client.get(URL, {"q": "kabul"})
        self.assertContains(response, "Peace talks resume")
        self.assertContains(response, "<mark>Kabul</mark>", html=False)

    def test_no_match_says_what_to_do(self):
        self.assertContains(self.client.get(URL, {"q": "zebra"}), "Try fewer or different words")

    def test_only_excluded_words_asks_for_a_word(self):
        self.assertContains(self.client.get(URL, {"q": "-kabul"}), "Type at least one word")

    def test_unknown_section_is_a_400_with_a_message(self):
        response = self.client.get(URL, {"q": "kabul", "section": "nope"})
        self.assertContains(response, "There is no such section", status_code=400)

    def test_malformed_date_and_page_are_400s_with_messages(self):
        response = self.client.get(URL, {"q": "kabul", "since": "14/04/2021", "page": "x"})
        self.assertContains(response, "YYYY-MM-DD", status_code=400)
        self.assertContains(response, "whole number", status_code=400)

    def test_reversed_dates_are_a_400(self):
        response = self.client.get(
            URL, {"q": "kabul", "since": "2021-05-01", "until": "2021-04-01"}
        )
        self.assertContains(response, "swap them", status_code=400)

    def test_filters_by_section_slug(self):
        SectionFactory(name="Sport", slug="sport")
        self.assertContains(self.client.get(URL, {"q": "kabul", "section": "world"}), "Peace talks")
        self.assertNotContains(
            self.client.get(URL, {"q": "kabul", "section": "sport"}), "Peace talks"
        )

    def test_a_search_ranking_only_the_newest_matches_says_so(self):
        backend = backend_for()
        if not hasattr(backend, "CANDIDATES"):
            self.skipTest("only the SQLite backend ranks a window of the newest matches")
        ArticleFactory(headline="Kabul again")
        with mock.patch.object(type(backend), "CANDIDATES", 2):
            self.assertContains(self.client.get(URL, {"q": "kabul"}), "newest 2 stories found")
        self.assertNotContains(self.client.get(URL, {"q": "kabul"}), "search-note")

    def test_results_page_is_not_indexed_by_search_engines(self):
        self.assertContains(self.client.get(URL, {"q": "kabul"}), 'name="robots" content="noindex"')


# Characters that mean something to FTS5, tsquery, SQL or HTML, mixed with words and other scripts.
_pieces = st.sampled_from(
    [
        *"abc \"*-()^:+~!&|'<>;.,_\\%",
        "kabul",
        "NEAR",
        "OR",
        "AND",
        "NOT",
        "طالبان",
        "ß",
        "\x00",
        "\ue000",
    ]
)
_query_text = st.lists(_pieces, max_size=30).map("".join) | st.text(max_size=60)


class SearchFuzzTests(HypothesisTestCase):
    @classmethod
    def setUpTestData(cls):
        keyword = KeywordFactory(name="Kabul")
        ArticleFactory(
            headline='Kabul "talks" & <b>', body="<p>abc kabul talks</p>", keywords=[keyword]
        )

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(text=_query_text)
    def test_no_query_string_causes_an_error(self, text):
        results = search_articles(query=parse_query(text))
        for hit in results.hits:
            self.assertNotIn("<b>", hit.snippet)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(text=_query_text, since=st.text(max_size=12), page=st.text(max_size=4))
    def test_no_parameters_cause_a_server_error(self, text, since, page):
        response = self.client.get(URL, {"q": text, "since": since, "page": page, "sort": text[:8]})
        self.assertIn(response.status_code, (200, 400))
