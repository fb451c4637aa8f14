from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The reader's site: the pages that compose the apps below it, and their caching."""

    name = "newsdesk.site"
    label = "site"
    verbose_name = "Public site"
