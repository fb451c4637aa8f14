"""Moderators' decisions move similar comments into the spam folder, and keep good ones out:
the corpus trial of bench/comment_spam.py, run on the test database."""

from unittest import skipUnless

from django.db import connection
from django.test import TestCase, override_settings

from newsdesk.captcha.challenges import challenge_issue
from newsdesk.comments.models import Comment, SpamToken
from newsdesk.comments.services import Submission, comment_submit, comments_moderate
from newsdesk.comments.spam import blocked_terms, spam_score, tokens_of

from .benches import bench_module
from .factories import comment_create


def selling_caught(rates: dict) -> float:
    """The share of spam other than abuse in the folder (links, SEO, crypto, scams, floods)."""
    caught = total = 0
    for kind, share in rates["folder_by_kind"].items():
        if kind not in ("reader", "abuse"):
            found, of = map(int, share.split("/"))
            caught, total = caught + found, total + of
    return caught / total


@skipUnless(
    connection.vendor == "sqlite",
    "the corpus trial (400 posts, 20 s) measures the filter, the same on every database; on "
    "PostgreSQL the SQL it runs is covered by test_trust and test_defence",
)
class CorpusTrialTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        bench = bench_module("comment_spam")
        cls.train, cls.held_out = bench.split(bench.corpus())
        cls.new = bench.new_batch(bench.corpus())
        cls.after = bench.rates(bench.trial(cls.train, cls.held_out))

    def test_the_batch_written_after_the_filter_is_held_out_only(self):
        self.assertGreaterEqual(len(self.new), 100)
        bodies = {row["body"] for row in self.train + self.held_out}
        self.assertFalse(bodies & {row["body"] for row in self.new})

    def test_the_corpus_has_several_hundred_comments_of_every_kind(self):
        kinds = {(row["label"], row["kind"]) for row in self.train + self.held_out}
        self.assertGreaterEqual(len(self.train) + len(self.held_out), 400)
        self.assertEqual(
            {kind for label, kind in kinds if label == "spam"},
            {"links", "seo", "crypto", "abuse", "misc", "flood"},
        )

    def test_after_feedback_spam_of_the_kinds_learnt_goes_to_the_folder(self):
        # Links, SEO, crypto, scams, floods: at least 95 % of those held out (BENCHMARKS.md has
        # abuse apart: a word-count filter learns it worst).
        caught = selling_caught(self.after)
        self.assertGreaterEqual(caught, 0.95)

    def test_the_latest_batch_after_feedback_on_all_before_it(self):
        # The batch written last, which no choice of the filter saw (BENCHMARKS.md): spam that
        # sells is caught, at most one good comment in a hundred goes to the folder. Abuse is
        # reported apart there (60 % of it on that batch: a count of words cannot read meaning).
        bench = bench_module("comment_spam")
        rows = bench.corpus()
        latest = max(row.get("batch", 1) for row in rows)
        decided = [row for row in rows if row.get("batch", 1) < latest]
        after = bench.rates(bench.trial(decided, bench.new_batch(rows, latest)))
        caught = selling_caught(after)
        self.assertGreaterEqual(caught, 0.95, after["folder_by_kind"])
        self.assertLessEqual(after["good_in_folder_pct"], 1.0, after["folder_by_kind"])

    def test_after_feedback_at_most_one_good_comment_in_a_hundred_is_in_the_folder(self):
        self.assertLessEqual(self.after["good_in_folder_pct"], 1.0)
        self.assertGreaterEqual(self.after["recall"], 95.0)


@override_settings(NEWSDESK_SPAM_MIN_TRAINING=2)
class LearningTests(TestCase):
    def decide(self, status, *bodies):
        comments = [comment_create(self.article, body=b, approved=False) for b in bodies]
        comments_moderate(
            comments=Comment.objects.filter(pk__in=[c.pk for c in comments]), status=status, by=None
        )

    def setUp(self):
        from newsdesk.articles.tests.factories import ArticleFactory

        self.article = ArticleFactory()

    def test_moderators_spam_decisions_alone_send_a_similar_comment_to_the_folder(self):
        self.decide(
            Comment.Status.SPAM,
            "Crypto signals group, double your bitcoin, join on telegram",
            "Double your bitcoin today, crypto signals on telegram",
        )
        self.decide(
            Comment.Status.APPROVED,
            "The harbour plan is late and over budget.",
            "Thanks for the report on the ferry timetable.",
        )
        verdict = spam_score(
            name="x", email="x@example.org", body="Join our telegram: crypto signals, bitcoin"
        )
        self.assertTrue(verdict.is_spam, verdict.reasons)
        plain = spam_score(name="y", email="y@example.org", body="The ferry plan is late.")
        self.assertFalse(plain.is_spam, plain.reasons)

    def post(self, body, n=0):
        return comment_submit(
            article=self.article,
            submission=Submission(name=f"Sender {n}", email=f"s{n}@example.org", body=body),
            challenge=challenge_issue(),
            ip_address=f"192.0.2.{n + 1}",
        )

    # Two good comments that share the abuse's ordinary words ("you", "the", "this"), as the
    # decisions of a real queue do.
    GOOD = (
        "Thank you for the report, the harbour plan is late and over budget.",
        "You asked the council the right questions about the ferry timetable.",
    )

    def learn_abuse(self):
        self.decide(
            Comment.Status.SPAM,
            "Shut up you stupid idiot, nobody cares what you think",
            "You are a worthless clown and this article is garbage",
        )
        self.decide(Comment.Status.APPROVED, *self.GOOD)

    def test_spam_decisions_move_a_similar_comment_into_the_folder(self):
        body = "You pathetic little moron, nobody reads this garbage, crawl back under a rock"
        self.assertEqual(self.post(body).status, Comment.Status.PENDING)
        self.learn_abuse()
        verdict = spam_score(name="x", email="x@example.org", body=body)
        self.assertTrue(any("learnt filter" in r for r in verdict.reasons), verdict.reasons)
        self.assertGreaterEqual(verdict.score, 1.0, verdict.reasons)
        self.assertEqual(self.post(body, n=1).status, Comment.Status.SPAM)

    def test_approvals_move_a_similar_comment_out_of_the_folder(self):
        body = "Join our telegram for crypto signals and double your bitcoin"
        spam = (
            "Crypto signals group, double your bitcoin, join on telegram",
            "Double your bitcoin today, crypto signals on telegram",
        )
        self.decide(Comment.Status.SPAM, *spam)
        self.decide(Comment.Status.APPROVED, *self.GOOD)
        self.assertEqual(self.post(body).status, Comment.Status.SPAM)
        # The moderator changes their mind about both and approves more like them: the filter
        # unlearns the spam decisions and learns the approvals.
        self.decide_again(Comment.Status.APPROVED, *spam)
        self.decide(
            Comment.Status.APPROVED,
            "Our telegram group on crypto asks: will bitcoin double?",
            "Signals from the bank: crypto and bitcoin join the telegram of worries",
        )
        self.assertNotEqual(self.post(body, n=1).status, Comment.Status.SPAM)

    def decide_again(self, status, *bodies):
        comments_moderate(comments=Comment.objects.filter(body__in=bodies), status=status, by=None)

    def test_fair_anger_stays_out_of_the_folder_after_abuse_was_learnt(self):
        self.learn_abuse()
        fair = "A disgrace: the council knew about the mould for two years and did nothing."
        self.assertNotEqual(self.post(fair).status, Comment.Status.SPAM)

    def test_what_was_learnt_of_one_sign_of_abuse_weighs_on_another(self):
        # The moderators marked insults as spam; a comment that wishes harm with no insult in
        # it shares no word with them, only the family of signs ("has:abuse").
        self.learn_abuse()
        body = "Go hang yourself, reporter"
        tokens = tokens_of(name="x", body=body)
        self.assertLessEqual({"has:harm", "has:abuse"}, tokens)
        self.assertNotIn("has:insult", tokens)
        verdict = spam_score(name="x", email="x@example.org", body=body)
        self.assertIn("harm wished on someone", verdict.holds)
        self.assertIn("has:abuse", next(r for r in verdict.reasons if "learnt filter" in r))

    def test_signs_of_selling_and_of_abuse_are_not_read_into_fair_comments(self):
        for body in (
            "The factory burned down in 1998 and the site is still empty.",
            "My condolences to your family, he was a fine teacher.",
            "I hope they lose the vote next week.",
            "Affordable housing needs a discount on the land, not more consultants.",
            "Check the council's own figures: the link is in the report.",
        ):
            with self.subTest(body):
                self.assertFalse(tokens_of(name="x", body=body) & {"has:abuse", "has:selling"})

    def test_scoring_reads_the_model_in_one_query(self):
        self.decide(Comment.Status.SPAM, "casino bonus spins", "free casino spins now")
        self.decide(Comment.Status.APPROVED, *self.GOOD)
        blocked_terms()  # cached for a minute, as on every post but the first
        with self.assertNumQueries(1):
            spam_score(name="x", email="x@example.org", body="casino spins for you")

    def test_confirming_what_the_filter_put_in_the_folder_teaches_it(self):
        comment = comment_create(self.article, body="casino bonus", approved=False)
        Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.SPAM)
        comments_moderate(comments=Comment.objects.filter(pk=comment.pk), status="spam", by=None)
        self.assertEqual(SpamToken.objects.get(token="casino").spam, 1)
        self.assertEqual(Comment.objects.get(pk=comment.pk).learned_as, "spam")
