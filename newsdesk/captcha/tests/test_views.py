import importlib.util

from django.test import TestCase, override_settings
from django.urls import reverse

from newsdesk.captcha.challenges import challenge_issue, challenge_read

PNG = b"\x89PNG\r\n\x1a\n"


class CaptchaImageTests(TestCase):
    def test_image_is_png_never_cached(self):
        token = challenge_issue().token
        response = self.client.get(reverse("captcha:image", args=[token]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "image/png")
        self.assertTrue(response.content.startswith(PNG))
        self.assertIn("no-store", response["Cache-Control"])

    def test_same_challenge_gives_same_picture(self):
        # Many renderings of one answer would let a bot average the noise away.
        url = reverse("captcha:image", args=[challenge_issue().token])
        self.assertEqual(self.client.get(url).content, self.client.get(url).content)

    def test_unknown_token_is_404_not_500(self):
        response = self.client.get(reverse("captcha:image", args=["not-a-token"]))
        self.assertEqual(response.status_code, 404)
        self.assertIn("no-store", response["Cache-Control"])

    @override_settings(NEWSDESK_CAPTCHA_TTL=-1)
    def test_expired_token_has_no_picture(self):
        response = self.client.get(reverse("captcha:image", args=[challenge_issue().token]))
        self.assertEqual(response.status_code, 404)


class CaptchaAudioTests(TestCase):
    def setUp(self):
        if importlib.util.find_spec("newsdesk.captcha.audio") is None:
            self.skipTest("newsdesk/captcha/audio.py (render_audio) has not landed yet")

    def test_audio_is_wav_never_cached(self):
        response = self.client.get(reverse("captcha:audio", args=[challenge_issue().token]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "audio/wav")
        self.assertTrue(response.content.startswith(b"RIFF"))
        self.assertIn("no-store", response["Cache-Control"])


class CaptchaRefreshTests(TestCase):
    def test_refresh_gives_a_new_working_challenge(self):
        response = self.client.get(reverse("captcha:refresh"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("no-store", response["Cache-Control"])
        data = response.json()
        self.assertTrue(challenge_read(data["token"]).answer)
        self.assertEqual(data["image"], reverse("captcha:image", args=[data["token"]]))
        self.assertEqual(data["audio"], reverse("captcha:audio", args=[data["token"]]))

    def test_refresh_costs_one_statement_the_address_counter(self):
        # The challenge itself is stored nowhere until it is answered.
        with self.assertNumQueries(1):
            self.assertEqual(self.client.get(reverse("captcha:refresh")).status_code, 200)

    @override_settings(NEWSDESK_CAPTCHA_REFRESH_RATE="3/600")
    def test_refresh_is_rate_limited_per_address(self):
        for _ in range(3):
            self.assertEqual(self.client.get(reverse("captcha:refresh")).status_code, 200)
        response = self.client.get(reverse("captcha:refresh"))
        self.assertEqual(response.status_code, 429)
        self.assertIn("wait", response.json()["error"])
        self.assertTrue(int(response["Retry-After"]) > 0)
        other = self.client.get(reverse("captcha:refresh"), REMOTE_ADDR="192.0.2.9")
        self.assertEqual(other.status_code, 200)
