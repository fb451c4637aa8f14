from django import forms
from django.forms.renderers import DjangoTemplates
from django.test import SimpleTestCase

from newsdesk.core.forms import FormRenderer

TRICKY = 'He said "<script>alert(1)</script>" & left'


class SampleForm(forms.Form):
    name = forms.CharField(
        label='Name <b>"x"</b>', max_length=80, help_text="Shown to all & sundry."
    )
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 6, "data-x": TRICKY}))
    count = forms.IntegerField(required=False, widget=forms.NumberInput(attrs={"step": 2}))
    secret = forms.CharField(required=False, widget=forms.HiddenInput)
    flag = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"autofocus": True, "disabled": False})
    )
    password = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    when = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    agree = forms.BooleanField(required=False)
    sort = forms.ChoiceField(
        required=False, choices=[("", "Any"), ("new", 'Newest <"first">'), ("old", "Oldest")]
    )
    grouped = forms.ChoiceField(
        required=False,
        choices=[("Sea & coast", [("1", "Harbour"), ("2", "Beach")]), ("3", "Inland")],
        widget=forms.Select(attrs={"class": "grouped"}),
    )
    many = forms.MultipleChoiceField(required=False, choices=[("a", "A"), ("b", "B")])


def _fields(form) -> dict[str, str]:
    return {bound.name: f"{bound.label_tag()}|{bound}" for bound in form}


class FormRendererTests(SimpleTestCase):
    def render_both(self, **form_kwargs) -> tuple[dict, dict]:
        fast = SampleForm(renderer=FormRenderer(), **form_kwargs)
        django = SampleForm(renderer=DjangoTemplates(), **form_kwargs)
        return _fields(fast), _fields(django)

    def test_unbound_fields_render_exactly_as_djangos_templates(self):
        fast, django = self.render_both()
        self.assertEqual(fast, django)

    def test_bound_values_are_escaped_exactly_as_djangos_templates(self):
        data = {
            "name": TRICKY,
            "email": "a@example.org",
            "body": TRICKY + "\nsecond line",
            "count": "3",
            "secret": TRICKY,
            "flag": "'single'",
            "password": "<pw>",
            "when": "2021-04-14",
            "agree": "on",
            "sort": "new",
            "grouped": "2",
            "many": ["a", "b"],
        }
        fast, django = self.render_both(data=data)
        self.assertEqual(fast, django)
        self.assertNotIn("<script>", "".join(fast.values()))

    def test_labels_without_ids_are_plain_text_as_in_django(self):
        fast = SampleForm(renderer=FormRenderer(), auto_id=False)
        django = SampleForm(renderer=DjangoTemplates(), auto_id=False)
        self.assertEqual(_fields(fast), _fields(django))
        self.assertNotIn("<label", fast["name"].label_tag())

    def test_label_tags_and_fields_with_errors_match(self):
        fast_form = SampleForm(renderer=FormRenderer(), data={"name": "", "body": ""})
        django_form = SampleForm(renderer=DjangoTemplates(), data={"name": "", "body": ""})
        self.assertEqual(str(fast_form), str(django_form))
        self.assertEqual(
            fast_form["name"].label_tag(tag="legend"), django_form["name"].label_tag(tag="legend")
        )

    def test_label_with_no_attributes_matches(self):
        # Django passes attrs=None for a label with no attributes of its own.
        context = {"label": "When <now>", "attrs": None, "use_tag": True, "tag": "label"}
        self.assertEqual(
            FormRenderer().render("django/forms/label.html", context),
            DjangoTemplates().render("django/forms/label.html", context),
        )

    def test_other_templates_still_go_through_django(self):
        form = SampleForm(renderer=FormRenderer())
        html = str(form)  # django/forms/div.html, not built in Python
        self.assertIn("<div>", html)
        self.assertIn('name="body"', html)
