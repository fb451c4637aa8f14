"""`newsdesk backup DIR`: a consistent backup of the running site (newsdesk/core/backup.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from newsdesk.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the running site into DIR (new or empty): the database (SQLite online backup "
        "or pg_dump), the task queue, uploads and the secret key, with a manifest of checksums."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, verbosity: int = 1, **options):
        try:
            report = backup_create(target=directory)
        except BackupError as error:
            raise CommandError(str(error)) from None
        if verbosity:
            self.stdout.write("\n".join(report.lines))
