"""Editors' forms: what they type is kept on every error, and each error says what to do."""

from django import forms
from django.conf import settings
from django.contrib.admin import widgets as admin_widgets
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_prose_editor.fields import ProseEditorFormField

from .images import image_check
from .keywords import keywords_suggest
from .models import Article, Correction, Image

# What the body editor offers; django-prose-editor derives its nh3 allow-list from the same list,
# and Article.save() applies the site's allow-list (newsdesk.core.html) after it.
BODY_EDITOR = {
    "extensions": {
        "Bold": True,
        "Italic": True,
        "Heading": {"levels": [2, 3, 4]},
        "BulletList": True,
        "OrderedList": True,
        "ListItem": True,
        "Blockquote": True,
        "HardBreak": True,
        "HorizontalRule": True,
        "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
        "Image": True,
        "Figure": True,
        "Caption": True,
    }
}


def _zone_note() -> str:
    return gettext("Newsroom time (%(zone)s); stored in UTC.") % {
        "zone": timezone.get_current_timezone_name()
    }


# For help texts set when the module is imported: read in the language (and time zone) of the
# request that shows them.
_zone_note_lazy = lazy(_zone_note, str)


def _embargo_note() -> str:
    return gettext(
        "Optional: hidden everywhere until this time, whatever the publish time. %(zone)s"
    ) % {"zone": _zone_note()}


_embargo_note_lazy = lazy(_embargo_note, str)


class ArticleAdminForm(forms.ModelForm):
    body = ProseEditorFormField(
        label=capfirst(Article._meta.get_field("body").verbose_name),
        config=BODY_EDITOR,
        sanitize=True,
        required=False,
        widget=admin_widgets.AdminTextareaWidget,
        help_text=_(
            "Paragraphs, sub-headings, lists, quotes, links and pictures. To embed a video "
            "or post from an allowed site, paste its address as a link on a line of its own."
        ),
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    accept_keywords = forms.MultipleChoiceField(
        label=_("Suggested keywords"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Found in the text. Tick the ones to add; they are added when you save."),
    )

    class Meta:
        model = Article
        fields = [
            "headline",
            "slug",
            "summary",
            "body",
            "lead_image",
            "section",
            "authors",
            "keywords",
            "source_credits",
            "language",
            "translation_of",
            "is_top_story",
            "embargo_until",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict: Article | None = None
        if "headline" in self.fields:
            self.fields["headline"].widget.attrs.update(
                {
                    "data-target-length": settings.NEWSDESK_HEADLINE_TARGET,
                    "class": "vTextField headline",
                    # What the counter says (headline_counter.js), in the editor's language.
                    "data-msg-within": gettext("%(count)s characters of %(target)s"),
                    "data-msg-over": gettext(
                        "%(count)s characters — over the %(target)s that fit in lists and "
                        "search results"
                    ),
                    "data-msg-max": gettext("(at most %(max)s)"),
                }
            )
        # A story's text reads in its own direction whatever the editor's language: an English
        # headline in a Persian admin, a Persian one in an English admin.
        for name in ("headline", "slug", "summary", "source_credits"):
            if name in self.fields:
                self.fields[name].widget.attrs["dir"] = "auto"
        if "embargo_until" in self.fields:
            self.fields["embargo_until"].help_text = gettext(
                "Hidden everywhere until this time, even if published. %(zone)s"
            ) % {"zone": _zone_note()}
        if "expected_version" in self.fields:
            self.fields["expected_version"].initial = (
                self.instance.version if self.instance.pk else None
            )
        if "accept_keywords" in self.fields:
            suggestions = []
            if self.instance.pk:
                suggestions = keywords_suggest(
                    text=f"{self.instance.headline}. {self.instance.summary} {self.instance.body}",
                    language=self.instance.language,
                    exclude=self.instance.keywords.values_list("name", flat=True),
                )
            self.fields["accept_keywords"].choices = [(s, s) for s in suggestions]

    def clean_translation_of(self):
        original = self.cleaned_data.get("translation_of")
        if original is not None and self.instance.pk and original.pk == self.instance.pk:
            raise forms.ValidationError(
                _("A story cannot be a translation of itself: choose the story it translates.")
            )
        return original

    def clean(self):
        cleaned = super().clean()
        original, language = cleaned.get("translation_of"), cleaned.get("language")
        if original is not None and language and original.language == language:
            self.add_error(
                "translation_of",
                _(
                    "“%(headline)s” is in the same language as this story. A translation is in "
                    "another language: change this story's language or choose another story."
                )
                % {"headline": original.headline},
            )
        if self.instance.pk and "expected_version" in self.fields:
            current = Article.objects.get(pk=self.instance.pk)
            expected = cleaned.get("expected_version")
            if (
                expected is not None
                and expected != current.version
                and not self.data.get("overwrite")
            ):
                self.conflict = current
                raise forms.ValidationError(
                    _(
                        "Someone else saved this article after you opened it. Nothing was saved: "
                        "your text is kept below. Compare it with theirs (shown under the form), "
                        "then either reload the page and apply your changes again, or tick “Save "
                        "mine over theirs” and save."
                    ),
                    code="conflict",
                )
        return cleaned


class ImageAdminForm(forms.ModelForm):
    class Meta:
        model = Image
        fields = ["file", "alt", "caption", "credit"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].error_messages["invalid_image"] = _(
            "This file is not a picture we can read (or it is damaged). "
            "Upload a JPEG, PNG, WebP, GIF or AVIF."
        )
        self.fields["file"].help_text = _(
            "JPEG, PNG, WebP, GIF or AVIF, up to %(megabytes)s MB and %(megapixels)s megapixels. "
            "Sizes for every screen are made once, on upload."
        ) % {
            "megabytes": settings.NEWSDESK_IMAGE_MAX_BYTES // 1_048_576,
            "megapixels": settings.NEWSDESK_IMAGE_MAX_PIXELS // 1_000_000,
        }

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if (
            upload is not None
            and hasattr(upload, "size")
            and not getattr(upload, "_committed", False)
        ):
            image_check(upload)
        return upload

    def clean_alt(self):
        alt = self.cleaned_data.get("alt", "").strip()
        if not alt:
            raise forms.ValidationError(
                _("Describe what the picture shows: readers who cannot see it depend on this text.")
            )
        return alt


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the log"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )


class PublishForm(forms.Form):
    pass


class ScheduleForm(forms.Form):
    at = forms.SplitDateTimeField(
        label=_("Publish at"),
        widget=admin_widgets.AdminSplitDateTime,
        help_text=_zone_note_lazy(),
        error_messages={
            "required": _("Give the date and time readers should first see the article.")
        },
    )
    embargo_until = forms.SplitDateTimeField(
        label=_("Embargo until"),
        required=False,
        widget=admin_widgets.AdminSplitDateTime,
        help_text=_embargo_note_lazy(),
    )

    def clean_at(self):
        at = self.cleaned_data["at"]
        if at <= timezone.now():
            raise forms.ValidationError(
                _("This time has passed. Pick a time in the future, or use Publish now instead.")
            )
        return at


class CorrectionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Correction.Kind.choices, initial=Correction.Kind.CORRECTION
    )
    text = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": _("Write what was wrong and what is right (or what is new).")},
        help_text=_("Shown to readers on the article page with the time you add it."),
    )
