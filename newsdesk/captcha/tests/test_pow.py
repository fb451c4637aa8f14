"""The proof of work: signed, single use, expiring, and worth the difficulty it claims."""

import base64
import json
import time

import altcha
import time_machine
from django.test import TestCase, override_settings

from newsdesk.captcha.models import UsedChallenge
from newsdesk.captcha.pow import PowError, pow_consume, pow_issue, pow_solve, pow_verify


def tampered(payload: str, **changes) -> str:
    data = json.loads(base64.b64decode(payload))
    data["challenge"]["parameters"].update(changes)
    return base64.b64encode(json.dumps(data).encode()).decode()


@override_settings(NEWSDESK_POW_COST=50)
class PowTests(TestCase):
    def assertRefused(self, payload: str, code: str):
        with self.assertRaises(PowError) as caught:
            pow_verify(payload)
        self.assertEqual(caught.exception.code, code)

    def test_a_solved_challenge_is_verified_with_its_difficulty(self):
        work = pow_verify(pow_solve(pow_issue(difficulty=40)))
        self.assertEqual(work.difficulty, 40)
        self.assertTrue(work.id.startswith("p"))

    def test_the_work_is_at_least_half_the_difficulty(self):
        # The secret counter is drawn in [difficulty/2, difficulty]: the solver tries them all.
        for _ in range(20):
            challenge = pow_issue(difficulty=40)
            solution = altcha.solve_challenge(altcha.Challenge.from_dict(challenge), timeout=0)
            self.assertGreaterEqual(solution.counter, 20)
            self.assertLessEqual(solution.counter, 40)

    def test_a_challenge_signed_with_another_key_is_refused(self):
        with override_settings(SECRET_KEY="another-site-" * 5):
            payload = pow_solve(pow_issue(difficulty=10))
        self.assertRefused(payload, "invalid")

    def test_an_easier_difficulty_written_into_the_challenge_breaks_its_signature(self):
        payload = pow_solve(pow_issue(difficulty=10))
        self.assertRefused(tampered(payload, data={"difficulty": 200_000}), "invalid")
        self.assertRefused(tampered(payload, cost=1), "invalid")

    def test_a_wrong_key_or_counter_is_refused(self):
        payload = json.loads(base64.b64decode(pow_solve(pow_issue(difficulty=10))))
        payload["solution"]["derivedKey"] = "00" * 32
        self.assertRefused(base64.b64encode(json.dumps(payload).encode()).decode(), "invalid")

    def test_an_unsolved_self_made_challenge_is_refused(self):
        # A bot's own challenge (no server signature) and garbage alike.
        made = altcha.create_challenge("PBKDF2/SHA-256", 1, counter=1)
        solution = altcha.solve_challenge(made, timeout=0)
        self.assertRefused(altcha.Payload(made, solution).to_base64(), "invalid")
        for junk in ("", "not base64!", base64.b64encode(b"[]").decode(), "A" * 5000):
            self.assertRefused(junk, "invalid")

    def test_an_expired_challenge_is_refused(self):
        payload = pow_solve(pow_issue(difficulty=10))
        with time_machine.travel(time.time() + 601):
            self.assertRefused(payload, "expired")

    def test_a_challenge_is_used_once(self):
        work = pow_verify(pow_solve(pow_issue(difficulty=10)))
        pow_consume(work)
        with self.assertRaises(PowError) as caught:
            pow_consume(work)
        self.assertEqual(caught.exception.code, "used")
        # Kept until the challenge expires, then the purge of used challenges forgets it.
        self.assertEqual(UsedChallenge.objects.get(challenge_id=work.id).expires, work.expires)
