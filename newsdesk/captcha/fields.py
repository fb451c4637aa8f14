"""The "Security Key" form field: hidden token, picture, audio alternative, refresh button."""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.forms.renderers import get_default_renderer
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from .audio import audio_available
from .challenges import Challenge, ChallengeError, challenge_check, challenge_issue
from .image import ANSWER_LENGTH, HEIGHT, WIDTH
from .pow import MAX_PAYLOAD, PowError, pow_issue, pow_verify

REFRESH_FIELD = "captcha_refresh"


class CaptchaWidget(forms.MultiWidget):
    template_name = "captcha/widget.html"

    def __init__(self, attrs=None):
        answer_attrs = {
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "inputmode": "text",
            "maxlength": "12",
            "size": "12",
            "class": "captcha-answer",
        }
        super().__init__(
            {"token": forms.HiddenInput(), "answer": forms.TextInput(answer_attrs)}, attrs
        )

    def decompress(self, value):
        return [None, None]

    def id_for_label(self, id_):
        # The label points at the box the reader types in, not at the hidden token.
        return f"{id_}_1" if id_ else id_

    def get_context(self, name, value, attrs):
        # Every rendering shows a new challenge and an empty answer box: a challenge is never
        # shown twice, and a re-displayed form (errors, refresh, 429) gets a fresh one for free.
        token = challenge_issue().token
        answer_id = self.id_for_label(attrs.get("id") if attrs else None)
        if answer_id:
            # The answer box names its help: how many characters, and the spoken alternative.
            self.widgets[1].attrs["aria-describedby"] = f"{answer_id}-help"
        context = super().get_context(name, [token, ""], attrs)
        context["captcha"] = {
            "token": token,
            "image_url": reverse("captcha:image", args=[token]),
            "image_2x_url": reverse("captcha:image_2x", args=[token]),
            "width": WIDTH,
            "height": HEIGHT,
            "length": ANSWER_LENGTH,
            "audio_url": reverse("captcha:audio", args=[token]),
            "audio_available": audio_available(),
            "refresh_url": reverse("captcha:refresh"),
            "refresh_name": REFRESH_FIELD,
            "answer_id": answer_id,
        }
        return context

    def _render(self, template_name, context, renderer=None):
        # The token and answer inputs through the renderer (a plain string each), not as
        # template includes inside captcha/widget.html.
        renderer = renderer or get_default_renderer()
        context["captcha"]["inputs"] = mark_safe(  # noqa: S308 - the renderer escaped them
            "".join(
                renderer.render(sub["template_name"], {"widget": sub})
                for sub in context["widget"]["subwidgets"]
            )
        )
        return super()._render(template_name, context, renderer)

    def value_omitted_from_data(self, data, files, name):
        return False


class CaptchaField(forms.MultiValueField):
    """Cleans to the checked Challenge; the caller consumes it (challenge_consume) in its
    own transaction."""

    widget = CaptchaWidget
    default_error_messages = {
        "required": ChallengeError.messages["missing"],
        "incomplete": ChallengeError.messages["missing"],
    }

    def __init__(self, **kwargs):
        fields = (forms.CharField(max_length=1000), forms.CharField(max_length=64))
        kwargs.setdefault("label", "Security Key")
        super().__init__(fields, require_all_fields=False, **kwargs)

    def clean(self, value):
        token, answer = (
            (list(value) + [None, None])[:2] if isinstance(value, list | tuple) else (None, None)
        )
        token = (token or "").strip()
        answer = (answer or "").strip()
        if not answer:
            raise forms.ValidationError(ChallengeError.messages["missing"], code="missing")
        try:
            return challenge_check(token, answer)
        except ChallengeError as error:
            raise forms.ValidationError(str(error), code=error.code) from None

    def compress(self, data_list):  # pragma: no cover - clean() is overridden
        return data_list


class PowWidget(forms.HiddenInput):
    """The proof of work's hidden field: empty, with a fresh signed challenge for the browser's
    worker (captcha/pow.js) to solve while the reader writes. `difficulty` is set by the view
    from the posting rate; the default is the normal one."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.difficulty: int | None = None

    def get_context(self, name, value, attrs):
        difficulty = self.difficulty or settings.NEWSDESK_POW_DIFFICULTY
        attrs = {
            **(attrs or {}),
            "data-pow-challenge": json.dumps(pow_issue(difficulty=difficulty)),
            "data-pow-worker": static("captcha/pow-worker.js"),
            # What pow.js says while it works, in the site's language.
            "data-msg-done": gettext("Anti-spam check done: sending your comment."),
            "data-msg-sending": gettext("Sending your comment."),
            "data-msg-finishing": gettext(
                "Finishing the anti-spam check: your comment is sent in a moment."
            ),
        }
        # Every rendering is a new challenge with an empty answer, as for the Security Key.
        return super().get_context(name, "", attrs)


class PowField(forms.CharField):
    """Cleans to the verified Work, or None when the browser sent none (no JavaScript): the
    caller decides what that costs (stricter rate limits) and consumes the Work (pow_consume)
    in its own transaction."""

    widget = PowWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", MAX_PAYLOAD)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return pow_verify(value)
        except PowError as error:
            raise forms.ValidationError(str(error), code=f"pow_{error.code}") from None


__all__ = ["CaptchaField", "CaptchaWidget", "Challenge", "PowField", "REFRESH_FIELD"]
