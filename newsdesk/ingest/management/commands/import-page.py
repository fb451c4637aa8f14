"""`newsdesk import-page FILE...`: page captures and HTML pages become published articles
(or drafts, with --draft)."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError
from django.urls import reverse

from newsdesk.articles.models import Article
from newsdesk.ingest.parsers import MAX_BYTES, ParseError, parse_page
from newsdesk.ingest.progress import progress_bar
from newsdesk.ingest.services import ImportOutcome, PageRejected, page_import

OUTCOMES = ("created", "updated", "skipped", "failed")


class Command(BaseCommand):
    help = (
        "Import text captures of article pages and HTML article pages as published articles "
        "(with --draft, as drafts for the editors). Each keeps the story's own publication and "
        "modified times. Importing a file again updates its article. Prints the address of each "
        "article created or updated; a file that cannot be imported gets one error line, and the "
        "exit status is 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="Capture (.txt) or HTML page.")
        parser.add_argument(
            "--draft",
            action="store_true",
            help="Create new articles as drafts instead of publishing them; articles already "
            "there keep their state (a published one stays published).",
        )

    def handle(self, *args, files: list[str], verbosity: int = 1, draft: bool = False, **options):
        self.verbosity = verbosity
        self.draft = draft
        tally = Counter()
        # One file at a time, each in its own transaction, under a progress bar (on stderr).
        with progress_bar(
            total=len(files), desc="import-page", stream=self.stderr._out, enabled=verbosity > 0
        ) as bar:
            for name in files:
                outcome = self.import_file(Path(name))
                tally[outcome] += 1
                bar.update(1)
        self.stdout.write(", ".join(f"{tally[o]} {o}" for o in OUTCOMES) + ".")
        if tally["failed"]:
            sys.exit(1)

    def import_file(self, path: Path) -> str:
        try:
            page = parse_page(_read(path), filename=path.name)
            article, outcome = page_import(page=page, draft=self.draft)
        except (OSError, ParseError, PageRejected) as error:
            return self.fail(path, _reason(error))
        except DatabaseError as error:
            return self.fail(path, f"could not be saved to the database ({error}).")
        except Exception as error:  # noqa: BLE001 - one broken file must not stop the others
            name = type(error).__name__
            return self.fail(path, f"unexpected error ({name}: {error}); please report it.")
        url = f"{settings.NEWSDESK_SITE_URL}{article.get_absolute_url()}"
        if article.status != Article.Status.PUBLISHED:  # readers cannot open it: editors can
            path = reverse("admin:articles_article_change", args=[article.pk])
            url = f"{settings.NEWSDESK_SITE_URL}{path} ({article.get_status_display().lower()})"
        if outcome != ImportOutcome.SKIPPED:
            self.stdout.write(f"{outcome} {url}")
        elif self.verbosity > 1:
            self.stdout.write(f"unchanged {url}")
        return str(outcome)

    def fail(self, path: Path, reason: str) -> str:
        self.stderr.write(f"error: {path}: {reason}")
        return "failed"


def _read(path: Path) -> bytes:
    with path.open("rb") as f:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ParseError(
                f"The file is {size / 1024 / 1024:.1f} MB; pages larger than "
                f"{MAX_BYTES // 1024 // 1024} MB are not imported."
            )
        return f.read(MAX_BYTES + 1)


def _reason(error: Exception) -> str:
    if isinstance(error, OSError):
        return f"cannot be read: {error.strerror or error}."
    return " ".join(str(error).split())
