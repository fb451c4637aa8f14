from django.apps import AppConfig


class CaptchaConfig(AppConfig):
    name = "newsdesk.captcha"
    label = "captcha"

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
