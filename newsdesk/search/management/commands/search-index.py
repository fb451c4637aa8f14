"""`newsdesk search-index`: check the search index, or rebuild it from the articles tables."""

from django.core.management.base import BaseCommand
from django.db import connection

from newsdesk.search.backends import backend_for


class Command(BaseCommand):
    help = (
        "Put back missing search triggers and re-index if any were missing; with --rebuild, "
        "re-index every article (after restoring a backup or a bulk load)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="Re-index every article now.")

    def handle(self, *args, rebuild: bool, **options):
        backend = backend_for(connection)
        if rebuild:
            backend.rebuild(connection)
            self.stdout.write("Search index rebuilt.")
        else:
            backend.ensure_installed(connection)
            self.stdout.write("Search index and its triggers are in place.")
