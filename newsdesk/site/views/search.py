from datetime import date

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_safe

from newsdesk.articles.keys import SEARCH
from newsdesk.core.surrogate import public, shown
from newsdesk.search.forms import SearchForm
from newsdesk.search.selectors import search_articles


@require_safe
@public("search")
def results(request):
    shown(SEARCH)
    form = SearchForm(request.GET or None)
    context = {"form": form, "results": None, "query": None}
    if not request.GET:
        return render(request, "site/search.html", context)
    if not form.is_valid():
        return render(request, "site/search.html", context, status=400)
    kwargs = form.search_kwargs()
    if kwargs.get("published_to") == date.max:
        kwargs["published_to"] = None  # the last day there is bounds nothing, and has no next day
    context["query"] = kwargs["query"]
    if kwargs["query"]:
        context["results"] = search_articles(**kwargs, size=settings.NEWSDESK_PAGE_SIZE)
        params = request.GET.copy()
        params["page"] = context["results"].page + 1
        context["next_query"] = params.urlencode()
        params["page"] = context["results"].page - 1
        context["previous_query"] = params.urlencode()
    return render(request, "site/search.html", context)
