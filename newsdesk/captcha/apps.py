from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaptchaConfig(AppConfig):
    name = "newsdesk.captcha"
    label = "captcha"
    verbose_name = _("Security Key")

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
