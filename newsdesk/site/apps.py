from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    """The reader's site: the pages that compose the apps below it, and their caching."""

    name = "newsdesk.site"
    label = "site"
    verbose_name = _("Public site")

    def ready(self):
        from django.conf import settings

        from newsdesk.core.purge import purge_listener

        from .mirror import checks  # noqa: F401 - registers the mirror's settings checks
        from .mirror.tasks import mirror_purge_listener

        # A static mirror in NEWSDESK_MIRROR_DIR is kept current by every purge (site/mirror/).
        if settings.NEWSDESK_MIRROR_DIR:
            purge_listener(mirror_purge_listener)
