import re
import time
import unicodedata

from django import forms
from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from newsdesk.captcha.fields import CaptchaField, PowField

from .spam import count_links

STARTED_SALT = "newsdesk.comments.form-started"
# C0 controls other than tab and line breaks, DEL, C1 controls.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Invisible direction overrides make a name read differently from what it is.
BIDI_RE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def sign_started(now: float | None = None) -> str:
    # Floored, never rounded up: a start in the future would make any send "too fast".
    return signing.dumps(int(time.time() if now is None else now), salt=STARTED_SALT)


class CommentForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=gettext_lazy("Email"),
        max_length=254,
        help_text=gettext_lazy("Never shown to anyone but the moderators."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    body = forms.CharField(
        label=gettext_lazy("Comment"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": 5000}),
    )
    captcha = CaptchaField(label=gettext_lazy("Security Key"))
    # Filled in by the browser's proof of work (captcha/pow.js); empty without JavaScript.
    pow = PowField()
    parent = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    # The honeypot: hidden from people (and screen readers) by the template, filled in by bots.
    website = forms.CharField(
        label=gettext_lazy("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["started"].initial = sign_started()
        self.started_problem: str | None = None

    # Field cleaning ------------------------------------------------------------------------
    def _clean_text(self, field: str, *, multiline: bool) -> str:
        value = unicodedata.normalize("NFC", self.cleaned_data.get(field, ""))
        if CONTROL_RE.search(value) or (not multiline and ("\n" in value or "\r" in value)):
            raise forms.ValidationError(
                _(
                    "This contains invisible control characters. Please retype it (pasting from "
                    "some programs adds them)."
                ),
                code="control",
            )
        if not multiline and BIDI_RE.search(value):
            raise forms.ValidationError(
                _("This contains invisible direction marks; please type it without them."),
                code="bidi",
            )
        return value.strip()

    def clean_name(self):
        return self._clean_text("name", multiline=False)

    def clean_body(self):
        body = self._clean_text("body", multiline=True).replace("\r\n", "\n")
        if not body:
            raise forms.ValidationError(_("Please write a comment."), code="required")
        links = count_links(body)
        if links > settings.NEWSDESK_COMMENTS_MAX_LINKS:
            raise forms.ValidationError(
                _(
                    "Your comment has %(links)s links; at most %(limit)s are allowed. Please "
                    "remove some and send it again."
                )
                % {"links": links, "limit": settings.NEWSDESK_COMMENTS_MAX_LINKS},
                code="links",
            )
        return body

    def clean_email(self):
        return self.cleaned_data["email"].strip()

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(
                _(
                    "Automated submission suspected: the hidden field 'Leave this field empty' "
                    "was filled in. If you are a person, empty it and send again."
                ),
                code="honeypot",
            )
        return ""

    def clean_started(self):
        raw = self.cleaned_data.get("started") or ""
        try:
            started = float(
                signing.loads(
                    raw, salt=STARTED_SALT, max_age=settings.NEWSDESK_COMMENTS_FORM_MAX_AGE
                )
            )
        except signing.SignatureExpired:
            self.started_problem = "old"
            raise forms.ValidationError(
                _(
                    "This form was opened too long ago. We have renewed it and kept your text: "
                    "please send it again."
                ),
                code="form_old",
            ) from None
        except (signing.BadSignature, ValueError, TypeError):
            self.started_problem = "bad"
            raise forms.ValidationError(
                _(
                    "This form could not be checked. We have renewed it and kept your text: "
                    "please send it again."
                ),
                code="form_bad",
            ) from None
        if time.time() - started < settings.NEWSDESK_COMMENTS_MIN_SECONDS:
            self.started_problem = "fast"
            raise forms.ValidationError(
                _(
                    "That was sent faster than a person can write. Please check your comment "
                    "and send it again."
                ),
                code="form_fast",
            )
        return raw

    # Re-display ----------------------------------------------------------------------------
    def for_redisplay(self) -> "CommentForm":
        """The same form with the reader's text, a renewed timestamp when it was the problem, and
        (from the widget) a fresh Security Key."""
        if self.is_bound and self.started_problem in ("old", "bad"):
            data = self.data.copy()
            data["started"] = sign_started()
            self.data = data
        return self
