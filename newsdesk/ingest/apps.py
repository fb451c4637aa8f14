from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IngestConfig(AppConfig):
    name = "newsdesk.ingest"
    label = "ingest"
    verbose_name = _("Ingest")

    def ready(self):
        from newsdesk.core.metrics import metric_gauge

        from . import dashboard  # noqa: F401 - registers its panel on the admin home
        from .models import Source

        metric_gauge(
            "newsdesk_feed_sources_failing",
            "Enabled wire sources whose last poll failed.",
            lambda: Source.objects.failing().count(),
        )
