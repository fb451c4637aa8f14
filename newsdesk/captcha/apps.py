from django.apps import AppConfig


class CaptchaConfig(AppConfig):
    name = "newsdesk.captcha"
    label = "captcha"
