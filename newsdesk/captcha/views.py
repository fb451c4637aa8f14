import random
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from newsdesk.core.ratelimit import client_ip, rate_limit_hit

from .audio import CaptchaAudioUnavailable, render_audio
from .challenges import ChallengeError, challenge_issue, challenge_read
from .image import render_challenge


def _no_store(response: HttpResponse) -> HttpResponse:
    # A challenge is for one reader once: no browser, proxy or CDN may keep it.
    response["Cache-Control"] = "no-store, max-age=0"
    response["X-Robots-Tag"] = "noindex"
    return response


def _refused(error: ChallengeError, status: int = 404) -> HttpResponse:
    return _no_store(
        HttpResponse(str(error), status=status, content_type="text/plain; charset=utf-8")
    )


@require_safe
def image(request, token: str, scale: int = 1):
    """The picture at 1x, or at 2x for high-DPI screens (the widget's srcset): the same picture."""
    try:
        challenge = challenge_read(token)
    except ChallengeError as error:
        return _refused(error)
    # Seeded from the token, and kept while the challenge lives: fetching it again gives the same
    # picture, so a bot cannot average many renderings of one answer (and pays no CPU twice).
    key = f"captcha:png:{challenge.id}:{scale}"
    png = cache.get(key)
    if png is None:
        png = render_challenge(
            challenge.answer,
            rng=random.Random(challenge.seed),  # noqa: S311 - a picture, not a secret
            scale=scale,
        )
        cache.set(key, png, max(1, challenge.expires - int(time.time())))
    return _no_store(HttpResponse(png, content_type="image/png"))


@require_safe
def audio(request, token: str):
    try:
        challenge = challenge_read(token)
    except ChallengeError as error:
        return _refused(error)
    try:
        wav = render_audio(challenge.answer)
    except CaptchaAudioUnavailable:
        message = _(
            "The spoken Security Key is not available on this site: its speech program "
            "(espeak-ng) is not installed or failed. Go back to the form and type the picture's "
            "characters; if they are hard to read, ask for a new picture with “Captcha refresh”. "
            "What you typed in the form is kept."
        )
        return _no_store(
            HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        )
    response = HttpResponse(wav, content_type="audio/wav")
    response["Content-Disposition"] = 'inline; filename="security-key.wav"'
    return _no_store(response)


@never_cache
@require_safe
def refresh(request):
    """A new challenge as JSON for the page's script; rate-limited like posting."""
    limited = rate_limit_hit(
        "captcha-ip", client_ip(request), settings.NEWSDESK_CAPTCHA_REFRESH_RATE
    )
    if limited:
        response = JsonResponse(
            {
                "error": _(
                    "Too many new Security Keys were asked for from your address. Please wait "
                    "%(seconds)s seconds and try again."
                )
                % {"seconds": limited.retry_after}
            },
            status=429,
        )
        response["Retry-After"] = str(limited.retry_after)
        return _no_store(response)
    challenge = challenge_issue()
    return _no_store(
        JsonResponse(
            {
                "token": challenge.token,
                "image": reverse("captcha:image", args=[challenge.token]),
                "image_2x": reverse("captcha:image_2x", args=[challenge.token]),
                "audio": reverse("captcha:audio", args=[challenge.token]),
                "expires": challenge.expires,
            }
        )
    )
