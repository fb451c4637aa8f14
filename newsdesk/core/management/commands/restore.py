"""`newsdesk restore DIR`: bring a backup back into a fresh data folder (core/backup.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from newsdesk.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `newsdesk backup` into this site's data folder "
        "(NEWSDESK_DATA_DIR) and database. Refuses a folder or database that already holds a "
        "site unless --force. Every file is checked against the backup's manifest first."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the database, queue, uploads and key that are there now.",
        )

    def handle(self, *args, directory: Path, force: bool, verbosity: int = 1, **options):
        try:
            report = backup_restore(source=directory, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from None
        if verbosity:
            self.stdout.write("\n".join(report.lines))
