from django.test import TestCase, override_settings

from newsdesk.comments.models import BlockedTerm, SpamToken
from newsdesk.comments.spam import count_links, spam_score, token_counts, tokens_of


class SpamRuleTests(TestCase):
    def test_plain_comment_scores_zero_with_no_reasons(self):
        verdict = spam_score(
            name="Ada", email="ada@example.org", body="A fair report on the harbour."
        )
        self.assertEqual((verdict.score, verdict.reasons), (0.0, []))
        self.assertFalse(verdict.is_spam)

    def test_links_add_points_with_a_reason(self):
        verdict = spam_score(
            name="Ada", email="a@example.org", body="see http://a.example and www.b.example"
        )
        self.assertEqual(verdict.score, 0.4)
        self.assertEqual(verdict.reasons, ["+0.40 2 link(s)"])

    def test_moderators_block_list_sends_to_spam(self):
        BlockedTerm.objects.create(term="  Replica-Watches ")
        verdict = spam_score(name="Ada", email="a@example.org", body="Best REPLICA-WATCHES here")
        self.assertTrue(verdict.is_spam)
        self.assertIn("+1.00 blocked term 'replica-watches'", verdict.reasons)

    @override_settings(NEWSDESK_COMMENTS_BLOCKLIST=["spam-domain.example"])
    def test_block_list_matches_the_email_domain_too(self):
        verdict = spam_score(name="Ada", email="x@spam-domain.example", body="Hello")
        self.assertTrue(verdict.is_spam)

    def test_shouting_is_a_small_sign(self):
        verdict = spam_score(
            name="A", email="a@example.org", body="THIS IS THE BEST OFFER EVER SEEN"
        )
        self.assertIn("+0.20 mostly capital letters", verdict.reasons)

    def test_tokens_include_words_names_and_link_domains(self):
        tokens = tokens_of(name="Ada", body="Visit https://Shop.example/x now")
        self.assertTrue({"visit", "now", "name:ada", "domain:shop.example", "has:link"} <= tokens)

    def test_count_links(self):
        self.assertEqual(count_links("no links, just example.org text"), 0)
        self.assertEqual(count_links("http://a.example https://b.example www.c.example"), 3)


class TokenCountTests(TestCase):
    def test_counts_of_seen_tokens_only_in_one_query(self):
        SpamToken.objects.create(token="casino", spam=3, ham=1)
        SpamToken.objects.create(token=SpamToken.DOCS, spam=9, ham=7)
        with self.assertNumQueries(1):
            counts = token_counts(["casino", "harbour", SpamToken.DOCS])
        self.assertEqual(counts, {"casino": (3, 1), SpamToken.DOCS: (9, 7)})

    @override_settings(NEWSDESK_SPAM_MIN_TRAINING=5)
    def test_an_untrained_filter_gives_no_points(self):
        SpamToken.objects.create(token="casino", spam=4, ham=0)
        SpamToken.objects.create(token=SpamToken.DOCS, spam=4, ham=10)
        verdict = spam_score(name="x", email="x@example.org", body="casino")
        self.assertFalse(any("learnt filter" in r for r in verdict.reasons))
