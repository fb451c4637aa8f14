from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class SearchConfig(AppConfig):
    name = "newsdesk.search"
    label = "search"
    verbose_name = "Search"

    def ready(self):
        from .backends import sqlite_schema

        # The SQLite index triggers strip HTML with a function of ours; every connection needs it.
        connection_created.connect(
            sqlite_schema.register_functions, dispatch_uid="newsdesk.search.functions"
        )
        # On SQLite, a migration that rebuilds an articles table drops our triggers with it:
        # put them back (and re-index) after every migrate.
        post_migrate.connect(_repair_index, sender=self, dispatch_uid="newsdesk.search.repair")


def _repair_index(sender, using, **kwargs):
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from .backends import backend_for

    connection = connections[using]
    if not MigrationRecorder(connection).migration_qs.filter(app="search").exists():
        return  # not installed (or migrated back to zero): nothing to repair
    backend_for(connection).ensure_installed(connection)
