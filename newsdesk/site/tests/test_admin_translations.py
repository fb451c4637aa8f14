"""Every label an editor reads in our admin is marked for translation, so that the catalogues
can translate it (core/tests/test_messages.py checks they do): the names of our apps and models,
every field's name, help text and choices, and what our ModelAdmins add (columns, actions,
filters, sections).
And rendered for an editor whose browser asks for Persian, no page of our admin shows one of
those labels in English."""

from __future__ import annotations

import re

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import SimpleTestCase, TestCase
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import capfirst

OURS = [config for config in apps.get_app_configs() if config.name.startswith("newsdesk.")]


def _ours(model) -> bool:
    return model._meta.app_config in OURS


def _fields(model):
    """The fields an editor may see: columns and many-to-many, not Django's own id."""
    return [
        field
        for field in model._meta.get_fields()
        if not field.auto_created and (field.concrete or field.many_to_many)
    ]


def _marked(text) -> bool:
    return isinstance(text, Promise)


def _choices(field):
    if not field.choices or list(field.choices) == list(settings.LANGUAGES):
        return []  # language names are written in their own language, as Django's are
    return [label for _value, label in field.flatchoices]


class LabelsAreMarkedTests(SimpleTestCase):
    def test_every_app_model_and_field_label_is_marked_for_translation(self):
        unmarked = []
        for config in OURS:
            if not _marked(config.verbose_name):
                unmarked.append(f"app {config.label}")
            for model in config.get_models():
                opts = model._meta
                for name in ("verbose_name", "verbose_name_plural"):
                    if not _marked(getattr(opts, name)):
                        unmarked.append(f"{opts.label}.Meta.{name}")
                for field in _fields(model):
                    where = f"{opts.label}.{field.name}"
                    if not _marked(field.verbose_name):
                        unmarked.append(f"{where} verbose_name")
                    if field.help_text and not _marked(field.help_text):
                        unmarked.append(f"{where} help_text")
                    unmarked += [
                        f"{where} choice {label!r}"
                        for label in _choices(field)
                        if not _marked(label)
                    ]
        self.assertEqual(unmarked, [])

    def test_what_our_model_admins_add_is_marked_for_translation(self):
        unmarked = []
        for model, model_admin in admin.site._registry.items():
            if not _ours(model):
                continue
            for part in [
                model_admin,
                *(inline(model, admin.site) for inline in model_admin.inlines),
            ]:
                where = type(part).__name__
                names = [
                    *(n for n in getattr(part, "list_display", ()) if isinstance(n, str)),
                    *part.readonly_fields,
                    *(getattr(part, "actions", None) or ()),
                ]
                for name in dict.fromkeys(names):
                    method = getattr(part, name, None)
                    text = getattr(method, "short_description", None)
                    if text is not None and not _marked(text):
                        unmarked.append(f"{where}.{name}: {text!r}")
                for title, options in part.fieldsets or ():
                    if title is not None and not _marked(title):
                        unmarked.append(f"{where} section {title!r}")
                    if options.get("description") and not _marked(options["description"]):
                        unmarked.append(f"{where} section description {title!r}")
                for entry in getattr(part, "list_filter", ()):
                    title = getattr(entry, "title", None)
                    if isinstance(entry, type) and not _marked(title):
                        unmarked.append(f"{where} filter {title!r}")
        self.assertEqual(unmarked, [])


class ChartTextTests(SimpleTestCase):
    def test_chart_texts_keep_their_side_right_to_left(self):
        # SVG's text-anchor "end" is the left side on a right-to-left page: a name anchored so
        # would run over its bar.
        from newsdesk.core.dashboard import Chart, Series, chart_drawing

        chart = Chart(title="t", labels=["Reuters"], series=[Series("items", [3])], horizontal=True)
        anchors = {}
        for language in ("en", "fa"):
            with translation.override(language):
                texts = chart_drawing(chart)["texts"]
            anchors[language] = {t["text"]: t["anchor"] for t in texts}
        self.assertEqual(anchors["en"], {"Reuters": "end", "3": "start"})
        self.assertEqual(anchors["fa"], {"Reuters": "start", "3": "end"})


class PersianAdminTests(TestCase):
    """An editor whose browser asks for Persian (the admin follows each user's own language:
    core/middleware.py, EditorLanguageMiddleware) reads none of our labels in English."""

    @classmethod
    def setUpTestData(cls):
        cls.editor = get_user_model().objects.create_superuser("dabir", "dabir@example.org", "pw")
        cls.models = [model for model in admin.site._registry if _ours(model)]
        # The English labels that have a Persian translation of their own (ETag stays ETag).
        cls.english = {}
        for model in cls.models:
            labels = [model._meta.verbose_name_plural, *(f.verbose_name for f in _fields(model))]
            for label in labels:
                with translation.override("en"):
                    english = str(capfirst(label))
                with translation.override("fa"):
                    persian = str(capfirst(label))
                if english != persian:
                    cls.english.setdefault(model, set()).add(english)

    def setUp(self):
        self.client.force_login(self.editor)

    def _get(self, url):
        response = self.client.get(url, headers={"accept-language": "fa"})
        self.assertEqual(response.status_code, 200, url)
        html = response.content.decode()
        self.assertIn('lang="fa" dir="rtl"', html, url)
        return html

    def _english_labels(self, html: str, model) -> list[str]:
        return [
            label
            for label in sorted(self.english.get(model, ()))
            # As a column heading, a field's label, a link or a button: ">Headline<", ">Headline:<".
            if re.search(rf">\s*{re.escape(label)}\s*:?\s*<", html)
        ]

    def test_changelists_and_add_forms_show_no_english_label(self):
        found = {}
        for model in self.models:
            opts = model._meta
            pages = [reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")]
            if admin.site._registry[model].has_add_permission(_request(self.editor)):
                pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
            for url in pages:
                if english := self._english_labels(self._get(url), model):
                    found[url] = english
        self.assertEqual(found, {})

    def test_the_admin_home_names_our_apps_and_models_in_persian(self):
        html = self._get(reverse("admin:index"))
        with translation.override("en"):
            english = [str(config.verbose_name) for config in OURS if config.get_models()]
            english += [str(capfirst(m._meta.verbose_name_plural)) for m in self.models]
        shown = [label for label in english if re.search(rf">\s*{re.escape(label)}\s*<", html)]
        self.assertEqual(shown, [])

    def test_the_workflow_log_names_states_in_the_editors_language(self):
        from newsdesk.articles.models import Article, ArticleEvent

        article = Article.objects.create(headline="A story")
        ArticleEvent.objects.create(
            article=article,
            action=ArticleEvent.Action.PUBLISHED,
            from_status=Article.Status.DRAFT,
            to_status=Article.Status.PUBLISHED,
        )
        html = self._get(reverse("admin:articles_article_log", args=[article.pk]))
        with translation.override("fa"):
            labels = [str(Article.Status.DRAFT.label), str(Article.Status.PUBLISHED.label)]
        self.assertEqual([label for label in labels if f"<td>{label}</td>" not in html], [])
        self.assertNotIn("<td>draft</td>", html)

    def test_the_dashboards_charts_keep_their_coordinates_as_numbers(self):
        # Persian writes 12.5 as ۱۲٫۵: SVG takes only ASCII numbers, or draws nothing.
        from newsdesk.articles.models import Article

        Article.objects.create(
            headline="A story", status=Article.Status.PUBLISHED, published_at=timezone.now()
        )
        html = self._get(reverse("admin:index"))
        shapes = re.findall(r"<(?:rect|text|line) [^>]*>", html)
        self.assertTrue(any(shape.startswith("<rect") for shape in shapes))
        numbers = re.findall(r' (?:x|y|x1|y1|x2|y2|width|height)="([^"]*)"', " ".join(shapes))
        self.assertEqual([n for n in numbers if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", n)], [])


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request
