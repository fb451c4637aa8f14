import importlib.util
import re
from unittest import mock

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


class CaptchaHighDpiTests(TestCase):
    def test_2x_picture_is_twice_the_size_of_the_1x_one(self):
        import io

        from PIL import Image

        from newsdesk.captcha.image import HEIGHT, WIDTH

        token = challenge_issue().token
        one = self.client.get(reverse("captcha:image", args=[token]))
        two = self.client.get(reverse("captcha:image_2x", args=[token]))
        self.assertEqual(two.status_code, 200)
        self.assertIn("no-store", two["Cache-Control"])
        self.assertEqual(Image.open(io.BytesIO(one.content)).size, (WIDTH, HEIGHT))
        self.assertEqual(Image.open(io.BytesIO(two.content)).size, (2 * WIDTH, 2 * HEIGHT))

    def test_refresh_names_the_2x_picture(self):
        data = self.client.get(reverse("captcha:refresh")).json()
        self.assertEqual(data["image_2x"], reverse("captcha:image_2x", args=[data["token"]]))


class CaptchaWidgetTests(TestCase):
    def _render(self):
        from django import forms

        from newsdesk.captcha.fields import CaptchaField

        class Form(forms.Form):
            captcha = CaptchaField()

        return str(Form()["captcha"])

    def test_picture_offers_a_2x_source_at_its_1x_size(self):
        html = self._render()
        token = re.search(r'name="captcha_token" value="([^"]+)"', html).group(1)
        image_2x = reverse("captcha:image_2x", args=[token])
        self.assertIn(f'srcset="{reverse("captcha:image", args=[token])} 1x, {image_2x} 2x"', html)
        self.assertIn('width="280" height="90"', html)

    def test_answer_box_is_described_by_its_help(self):
        html = self._render()
        self.assertIn('aria-describedby="id_captcha_1-help"', html)
        self.assertIn('id="id_captcha_1-help"', html)
        self.assertIn("Type the 5 characters", html)

    def test_audio_link_is_offered_when_espeak_is_installed(self):
        with mock.patch("newsdesk.captcha.fields.audio_available", return_value=True):
            html = self._render()
        self.assertIn("Listen to the Security Key (audio)", html)

    def test_without_espeak_the_form_says_so_and_offers_a_new_picture(self):
        with mock.patch("newsdesk.captcha.fields.audio_available", return_value=False):
            html = self._render()
        self.assertNotIn("Listen to the Security Key", html)
        self.assertIn("The spoken Security Key is not available on this site", html)
        self.assertIn("espeak-ng", html)
        self.assertIn("Captcha refresh", html)


class CaptchaAudioMissingTests(TestCase):
    def test_audio_endpoint_explains_what_is_missing(self):
        with mock.patch("newsdesk.captcha.audio.shutil.which", return_value=None):
            response = self.client.get(reverse("captcha:audio", args=[challenge_issue().token]))
        self.assertEqual(response.status_code, 503)
        self.assertIn("text/plain", response["Content-Type"])
        text = response.content.decode()
        self.assertIn("espeak-ng", text)
        self.assertIn("Captcha refresh", text)
        self.assertIn("no-store", response["Cache-Control"])

    def test_system_check_warns_when_espeak_is_missing(self):
        from newsdesk.captcha.checks import espeak_installed

        with mock.patch("newsdesk.captcha.audio.shutil.which", return_value=None):
            warnings = espeak_installed(None)
        self.assertEqual([w.id for w in warnings], ["captcha.W001"])
        self.assertIn("apt-get install espeak-ng", warnings[0].hint)
        with mock.patch("newsdesk.captcha.audio.shutil.which", return_value="/usr/bin/espeak-ng"):
            self.assertEqual(espeak_installed(None), [])
