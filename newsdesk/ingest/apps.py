from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "newsdesk.ingest"
    label = "ingest"
    verbose_name = "Ingest"
