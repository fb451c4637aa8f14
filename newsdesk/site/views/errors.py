"""The reader's error pages, in the site's chrome."""

from django.views import defaults


def bad_request(request, exception):
    return defaults.bad_request(request, exception, template_name="site/400.html")


def page_not_found(request, exception):
    return defaults.page_not_found(request, exception, template_name="site/404.html")


def server_error(request):
    return defaults.server_error(request, template_name="site/500.html")
