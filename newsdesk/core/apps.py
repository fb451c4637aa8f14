from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "newsdesk.core"
    label = "core"
    verbose_name = _("Tasks and security")

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
