import time

import time_machine
from django.test import TestCase, override_settings

from newsdesk.captcha.challenges import (
    ChallengeError,
    challenge_check,
    challenge_consume,
    challenge_issue,
    challenge_read,
    used_challenges_purge,
)
from newsdesk.captcha.models import UsedChallenge


class ChallengeTokenTests(TestCase):
    def test_token_carries_answer_without_showing_it(self):
        challenge = challenge_issue(answer="AC3K9")
        self.assertNotIn("AC3K9", challenge.token)
        self.assertEqual(challenge_read(challenge.token).answer, "AC3K9")

    def test_issuing_writes_nothing(self):
        with self.assertNumQueries(0):
            challenge_issue()

    def test_each_issue_is_a_new_challenge(self):
        a, b = challenge_issue(answer="AC3K9"), challenge_issue(answer="AC3K9")
        self.assertNotEqual(a.id, b.id)
        self.assertNotEqual(a.token, b.token)

    def test_tampered_token_is_invalid(self):
        token = challenge_issue().token
        for bad in (token[:-2] + "AA", "x", "", "é" * 10, "A" * 2000):
            with self.subTest(bad=bad[:20]), self.assertRaises(ChallengeError) as caught:
                challenge_read(bad)
            self.assertEqual(caught.exception.code, "invalid")

    @override_settings(SECRET_KEY="another-key-entirely-" * 3)
    def test_token_from_another_key_is_invalid(self):
        with override_settings(SECRET_KEY="the-first-key-" * 4):
            token = challenge_issue().token
        with self.assertRaises(ChallengeError):
            challenge_read(token)

    @override_settings(NEWSDESK_CAPTCHA_TTL=600)
    def test_challenge_expires_after_ttl(self):
        with time_machine.travel(1_800_000_000, tick=False):
            challenge = challenge_issue(answer="AC3K9")
        with time_machine.travel(1_800_000_599, tick=False):
            self.assertEqual(challenge_check(challenge.token, "ac3k9").id, challenge.id)
        with (
            time_machine.travel(1_800_000_601, tick=False),
            self.assertRaises(ChallengeError) as caught,
        ):
            challenge_check(challenge.token, "AC3K9")
        self.assertEqual(caught.exception.code, "expired")

    def test_answer_ignores_case_and_spaces(self):
        challenge = challenge_issue(answer="AC3K9")
        self.assertEqual(challenge_check(challenge.token, " ac3 k9 ").id, challenge.id)

    def test_wrong_answer_burns_the_challenge(self):
        challenge = challenge_issue(answer="AC3K9")
        with self.assertRaises(ChallengeError) as caught:
            challenge_check(challenge.token, "WRONG")
        self.assertEqual(caught.exception.code, "wrong")
        with self.assertRaises(ChallengeError) as caught:
            challenge_consume(challenge_check(challenge.token, "AC3K9"))
        self.assertEqual(caught.exception.code, "used")

    def test_challenge_is_single_use(self):
        challenge = challenge_issue(answer="AC3K9")
        challenge_consume(challenge_check(challenge.token, "AC3K9"))
        with self.assertRaises(ChallengeError) as caught:
            challenge_consume(challenge_check(challenge.token, "AC3K9"))
        self.assertEqual(caught.exception.code, "used")

    def test_purge_forgets_only_expired_challenges(self):
        now = time.time()
        UsedChallenge.objects.create(challenge_id="old", expires=int(now) - 5)
        UsedChallenge.objects.create(challenge_id="live", expires=int(now) + 500)
        self.assertEqual(used_challenges_purge(now=now), 1)
        self.assertEqual(
            list(UsedChallenge.objects.values_list("challenge_id", flat=True)), ["live"]
        )
