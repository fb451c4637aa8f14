from django.test import SimpleTestCase

from ..query import MAX_CLAUSES, Clause, parse_query


class ParseQueryTests(SimpleTestCase):
    def test_words_are_lowercased_clauses_that_must_all_match(self):
        parsed = parse_query("Kabul Talks")
        self.assertEqual(parsed.include, (Clause(("kabul",)), Clause(("talks",))))
        self.assertFalse(parsed.match_any)

    def test_quoted_words_are_one_phrase(self):
        self.assertEqual(parse_query('"peace talks" kabul').include[0], Clause(("peace", "talks")))

    def test_unterminated_quote_runs_to_the_end(self):
        self.assertEqual(parse_query('"peace talks').include, (Clause(("peace", "talks")),))

    def test_star_after_a_word_is_a_prefix(self):
        self.assertEqual(parse_query("elect*").include, (Clause(("elect",), prefix=True),))

    def test_short_prefix_is_treated_as_a_whole_word(self):
        self.assertEqual(parse_query("el*").include, (Clause(("el",)),))

    def test_minus_excludes_a_word_or_a_phrase(self):
        parsed = parse_query('talks -sport -"world cup"')
        self.assertEqual(parsed.exclude, (Clause(("sport",)), Clause(("world", "cup"))))

    def test_only_excluded_words_leave_nothing_to_search_for(self):
        self.assertFalse(parse_query("-sport"))

    def test_operators_and_punctuation_are_text_not_syntax(self):
        parsed = parse_query('NEAR(a b) OR ^x "" :* \' ; DROP TABLE')
        self.assertTrue(all(w.isalnum() for c in parsed.include for w in c.words))

    def test_hyphenated_word_is_a_phrase(self):
        self.assertEqual(parse_query("e-mail").include, (Clause(("e", "mail")),))

    def test_number_of_clauses_is_capped(self):
        self.assertEqual(
            len(parse_query(" ".join(f"w{i}" for i in range(50))).include), MAX_CLAUSES
        )

    def test_non_latin_words_are_kept(self):
        self.assertEqual(parse_query("طالبان").include, (Clause(("طالبان",)),))
