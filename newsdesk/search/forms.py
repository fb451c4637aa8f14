from django import forms
from django.utils.translation import gettext_lazy as _

from newsdesk.articles.models import Keyword, Section

from .query import MAX_QUERY_LENGTH, parse_query
from .selectors import MAX_PAGES, Sort


class SearchForm(forms.Form):
    """The reader's search and its filters. Any text is a valid query; filters are checked."""

    q = forms.CharField(required=False, strip=True, label=_("Search for"))
    section = forms.ModelChoiceField(
        queryset=Section.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All sections"),
        error_messages={"invalid_choice": _("There is no such section. Choose one from the list.")},
    )
    keyword = forms.ModelChoiceField(
        queryset=Keyword.objects.all(),
        to_field_name="slug",
        required=False,
        widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": _("There is no such keyword. Remove it and search again.")
        },
    )
    since = forms.DateField(
        required=False,
        label=_("Published from"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Write the date as YYYY-MM-DD, for example 2021-04-14.")},
    )
    until = forms.DateField(
        required=False,
        label=_("Published until"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Write the date as YYYY-MM-DD, for example 2021-04-14.")},
    )
    sort = forms.ChoiceField(
        choices=[(Sort.RELEVANCE, _("Best match")), (Sort.NEWEST, _("Newest first"))],
        required=False,
        error_messages={
            "invalid_choice": _("Sort by best match (relevance) or newest first (newest).")
        },
    )
    page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGES,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": _("The page number must be a whole number."),
            "min_value": _("The page number must be 1 or more."),
            "max_value": _(
                "Only the first %(limit_value)s pages of results show: narrow the search."
            ),
        },
    )

    def clean_q(self):
        return self.cleaned_data["q"][:MAX_QUERY_LENGTH]

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The 'from' date is after the 'until' date: swap them."))
        return data

    def search_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "query": parse_query(data.get("q")),
            "section": data.get("section"),
            "keyword": data.get("keyword"),
            "published_from": data.get("since"),
            "published_to": data.get("until"),
            "sort": data.get("sort") or Sort.RELEVANCE,
            "page": data.get("page") or 1,
        }
