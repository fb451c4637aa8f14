"""The admin's "not allowed" page: what the page is, which role opens it, and who gives roles.

Django answers a PermissionDenied with handler403 (config/urls.py). On an admin page that is
this view: a page in the admin's own style rather than a bare "403 Forbidden". Elsewhere it is
Django's own answer. The roles are the newsroom's (roles.py), which name every app's permissions.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.views import defaults

from .roles import ADMINISTRATOR, roles_with

# The verb of the permission an admin page needs, by the end of its URL name.
_VERBS = {"add": "add", "delete": "delete", "queue": "moderate"}
_ASK_AT_MOST = 5


def permission_denied(request, exception=None):
    match = getattr(request, "resolver_match", None)
    if match is None or match.namespace != admin.site.name or not request.user.is_staff:
        return defaults.permission_denied(request, exception)
    needed, what = _needed(match.url_name or "")
    roles = roles_with(needed) if needed else [ADMINISTRATOR]
    yours = list(request.user.groups.values_list("name", flat=True))
    context = {
        **admin.site.each_context(request),
        "title": gettext("You cannot open this page"),
        "what": what,
        "reason": str(exception or ""),
        "roles": roles,
        "yours": yours,
        # Held already, and still refused: the page is for superusers (the security log).
        "superusers_only": set(roles) <= set(yours),
        "administrators": administrators(),
    }
    return TemplateResponse(request, "admin/newsdesk/denied.html", context, status=403)


def administrators() -> list:
    """Who can give a role: active superusers and members of the Administrator role."""
    users = get_user_model().objects.filter(is_active=True)
    users = users.filter(Q(is_superuser=True) | Q(groups__name=ADMINISTRATOR)).distinct()
    return list(users.order_by("username")[:_ASK_AT_MOST])


def _needed(url_name: str) -> tuple[str, str]:
    """The permission ("app.verb_model") and a name for the page behind an admin URL name
    such as "ingest_source_changelist"; ("", "") when it names no registered model."""
    for model in admin.site._registry:
        opts = model._meta
        prefix = f"{opts.app_label}_{opts.model_name}_"
        if url_name.startswith(prefix):
            verb = _VERBS.get(url_name.removeprefix(prefix), "view")
            name = f"{opts.app_config.verbose_name} → {opts.verbose_name_plural}"
            return f"{opts.app_label}.{verb}_{opts.model_name}", name
    return "", ""
