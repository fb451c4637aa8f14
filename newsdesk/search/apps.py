from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "newsdesk.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self):
        from newsdesk.articles.effects import effects_follow_up

        from .backends import sqlite_schema
        from .tasks import related_follow_up

        # Related stories are ranked when a story changes, after its side effects (a task).
        effects_follow_up(related_follow_up)

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
    from .services import LINK_INDEX

    connection = connections[using]
    applied = MigrationRecorder(connection).migration_qs.filter(app="search")
    if not applied.exists():
        return  # not installed (or migrated back to zero): nothing to repair
    backend_for(connection).ensure_installed(connection)
    if applied.filter(name="0004_related_stories").exists():
        with connection.cursor() as cursor:
            cursor.execute(LINK_INDEX)
