"""`newsdesk import-wordpress FILE.xml`: a WordPress export becomes articles, pictures, comments
and redirects from the old addresses."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from newsdesk.ingest.progress import progress_bar
from newsdesk.site.wordpress import wordpress_import

OUTCOMES = ("created", "updated", "skipped", "failed")


class Command(BaseCommand):
    help = (
        "Import a WordPress export (Tools > Export, a WXR .xml file): posts with their status, "
        "dates, slugs, excerpts and sticky flags; categories as sections, tags as keywords; "
        "authors; comments (approved, pending and spam kept apart); featured and inline "
        "pictures; and 301 redirects from the old addresses. Importing again updates what "
        "changed. Exit status 1 if anything failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE.xml", help="The WordPress export.")
        parser.add_argument(
            "--uploads",
            metavar="DIR",
            help="A copy of the old site's wp-content/uploads folder: pictures are read "
            "from it instead of being downloaded.",
        )
        parser.add_argument(
            "--no-fetch",
            action="store_true",
            help="Never download pictures (only --uploads is read).",
        )

    def handle(self, *args, file: str, uploads: str | None, no_fetch: bool, **options):
        verbosity = options.get("verbosity", 1)
        uploads_dir = Path(uploads) if uploads else None
        if uploads_dir is not None and not uploads_dir.is_dir():
            raise CommandError(f"--uploads {uploads}: no such folder.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file.")
        with progress_bar(
            total=None, desc="import-wordpress", stream=self.stderr._out, enabled=verbosity > 0
        ) as bar:

            def advance(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            report = wordpress_import(
                path=path, uploads=uploads_dir, allow_fetch=not no_fetch, progress=advance
            )
        if report.error:
            raise CommandError(f"{file}: {report.error} Nothing was imported.")
        for problem in report.problems:
            self.stderr.write(f"error: {file}: {problem}")
        if report.problems_not_listed:
            self.stderr.write(f"error: {file}: and {report.problems_not_listed} more problems.")
        for what, counts in (
            ("posts", report.posts),
            ("comments", report.comments),
            ("pictures", report.pictures),
        ):
            self.stdout.write(f"{what}: " + ", ".join(f"{counts[o]} {o}" for o in OUTCOMES) + ".")
        if report.posts["failed"] or report.comments["failed"] or report.pictures["failed"]:
            sys.exit(1)
