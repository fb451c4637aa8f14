"""The proof of work and the rate it follows, through the real form: replays, forgeries, floods,
readers without JavaScript. Every refusal keeps the reader's text."""

from django.test import override_settings

from newsdesk.comments.models import Comment

from .factories import pow_challenge, solved
from .test_posting import PostingTestCase

FAST_POW = {
    "NEWSDESK_POW_COST": 50,
    "NEWSDESK_POW_DIFFICULTY": 20,
    "NEWSDESK_POW_FLOOD_DIFFICULTY": 60,
}


@override_settings(**FAST_POW)
class ProofOfWorkPostingTests(PostingTestCase):
    def test_a_comment_with_its_work_done_is_stored(self):
        response = self.post(solved(self.page(), pow=True))
        self.assertEqual(response.status_code, 303)
        self.assertEqual(Comment.objects.count(), 1)

    def test_the_same_work_sent_again_is_refused_and_the_text_kept(self):
        first = solved(self.page(), pow=True)
        self.assertEqual(self.post(first).status_code, 303)
        again = solved(self.page(), pow=False, body="A second thought.")
        again["pow"] = first["pow"]  # a fresh Security Key, the old proof of work
        response = self.post(again)
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "That anti-spam check was already used", status_code=400)
        self.assertKeepsText(response, body="A second thought.")
        self.assertEqual(Comment.objects.count(), 1)

    def test_a_forged_solution_is_refused_and_the_text_kept(self):
        data = solved(self.page())
        data["pow"] = "eyJjaGFsbGVuZ2UiOiB7fX0="  # base64 of a JSON that is no solution
        response = self.post(data)
        self.assertContains(response, "could not be verified", status_code=400)
        self.assertKeepsText(response)
        self.assertFalse(Comment.objects.exists())

    def test_a_fresh_challenge_comes_with_every_refusal(self):
        data = solved(self.page(), pow=True, captcha_answer="WRONG")
        response = self.post(data)
        self.assertEqual(response.status_code, 400)
        self.assertNotEqual(
            pow_challenge(response.content.decode())["parameters"]["nonce"],
            pow_challenge_nonce(data),
        )


def pow_challenge_nonce(data: dict) -> str:
    import base64
    import json

    return json.loads(base64.b64decode(data["pow"]))["challenge"]["parameters"]["nonce"]


@override_settings(
    **FAST_POW,
    NEWSDESK_POW_FLOOD_RATE_IP="2/600",
    NEWSDESK_POW_FLOOD_RATE_SITE="5/600",
    NEWSDESK_COMMENTS_RATE_NOJS_IP="100/600",
    NEWSDESK_COMMENTS_RATE_NOJS_SITE="100/600",
)
class FloodTests(PostingTestCase):
    def difficulty(self, **extra) -> int:
        response = self.client.get(self.form_url, **extra)
        return pow_challenge(response.content.decode())["parameters"]["data"]["difficulty"]

    def post_from(self, address: str, n: int) -> None:
        for i in range(n):
            response = self.post(
                solved(self.page(), pow=True, body=f"Comment {i} from {address}"),
                REMOTE_ADDR=address,
            )
            self.assertEqual(response.status_code, 303)

    def test_one_address_posting_fast_gets_harder_work_and_others_do_not(self):
        self.assertEqual(self.difficulty(REMOTE_ADDR="198.51.100.7"), 20)
        self.post_from("198.51.100.7", 2)
        self.assertEqual(self.difficulty(REMOTE_ADDR="198.51.100.7"), 60)
        self.assertEqual(self.difficulty(REMOTE_ADDR="198.51.100.8"), 20)

    def test_a_flood_from_many_addresses_raises_it_for_everyone(self):
        for n in range(5):
            self.post_from(f"198.51.100.{n + 10}", 1)
        self.assertEqual(self.difficulty(REMOTE_ADDR="192.0.2.1"), 60)

    def test_work_done_at_the_normal_difficulty_is_refused_during_a_flood(self):
        easy = solved(self.page(REMOTE_ADDR="198.51.100.7"), pow=True, body="Stocked up")
        self.post_from("198.51.100.7", 2)
        response = self.post(easy, REMOTE_ADDR="198.51.100.7")
        self.assertContains(response, "asks your browser for more work", status_code=400)
        self.assertKeepsText(response, body="Stocked up")
        # The page it answers with carries the harder challenge, which is then accepted.
        harder = pow_challenge(response.content.decode())
        self.assertEqual(harder["parameters"]["data"]["difficulty"], 60)
        self.assertEqual(
            self.post(
                solved(response.content.decode(), pow=True, body="Stocked up"),
                REMOTE_ADDR="198.51.100.7",
            ).status_code,
            303,
        )

    def page(self, client=None, **extra) -> str:
        response = (client or self.client).get(self.form_url, **extra)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()


@override_settings(
    **FAST_POW, NEWSDESK_COMMENTS_RATE_NOJS_IP="2/600", NEWSDESK_COMMENTS_RATE_NOJS_SITE="3/600"
)
class WithoutJavaScriptTests(PostingTestCase):
    def test_the_security_key_alone_is_accepted_under_a_stricter_limit(self):
        for i in range(2):
            self.assertEqual(self.post(solved(self.page(), body=f"No script {i}")).status_code, 303)
        response = self.post(solved(self.page(), body="The third without a script"))
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "Without JavaScript this site takes only", status_code=429)
        self.assertKeepsText(response, body="The third without a script")
        # The same reader with the browser's proof of work is not held by that limit.
        self.assertEqual(self.post(solved(self.page(), pow=True)).status_code, 303)
        self.assertEqual(Comment.objects.count(), 3)

    def test_the_site_wide_limit_holds_readers_without_javascript_from_every_address(self):
        for n in range(3):
            data = solved(self.page(), body=f"From address {n}")
            self.assertEqual(self.post(data, REMOTE_ADDR=f"192.0.2.{n + 1}").status_code, 303)
        response = self.post(solved(self.page(), body="One more"), REMOTE_ADDR="192.0.2.99")
        self.assertEqual(response.status_code, 429)
        self.assertKeepsText(response, body="One more")
