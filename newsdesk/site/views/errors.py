"""The reader's error pages, in the site's chrome."""

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import QueryDict, UnreadablePostError
from django.views import defaults

from .legacy import legacy_redirect


def _without_unreadable_form(request) -> None:
    """Django's error views check the CSRF token (for a form on the page), which reads
    request.POST. A form body that could not be read the first time (a charset other than UTF-8,
    too large, too many fields) would raise again there and turn the 400 into a 500: the error
    page reads it as an empty form instead."""
    if request.method != "POST":
        return
    try:
        request.POST  # noqa: B018 - reading it is the test
    except (BadRequest, SuspiciousOperation, UnreadablePostError):
        request.POST = QueryDict()


def bad_request(request, exception):
    _without_unreadable_form(request)
    return defaults.bad_request(request, exception, template_name="site/400.html")


def page_not_found(request, exception):
    # An old address of an imported site (a WordPress permalink): only pages that would be
    # missing pay for the lookup.
    redirect = legacy_redirect(request)
    if redirect is not None:
        return redirect
    _without_unreadable_form(request)
    return defaults.page_not_found(request, exception, template_name="site/404.html")


def server_error(request):
    _without_unreadable_form(request)
    return defaults.server_error(request, template_name="site/500.html")
