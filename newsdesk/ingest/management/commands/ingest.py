"""`newsdesk ingest`: poll wire sources now (all, or some) and add single pages by address."""

from __future__ import annotations

import sys
from collections import Counter
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError

from newsdesk.ingest.models import Source
from newsdesk.ingest.polling import source_poll
from newsdesk.ingest.progress import progress_bar
from newsdesk.ingest.store import Outcome

OUTCOMES = [str(o) for o in Outcome]


class Command(BaseCommand):
    help = (
        "Poll wire sources now, whatever their schedule: every enabled source, or those named "
        "with --source. --url fetches single pages (each becomes a 'page' source). Ends with a "
        "created / updated / skipped / failed summary; the exit status is 1 if anything failed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source",
            action="append",
            default=[],
            metavar="NAME",
            help="Poll only this source (by name or id); repeat for more.",
        )
        parser.add_argument(
            "--url",
            action="append",
            default=[],
            metavar="URL",
            help="Fetch this single page now (a 'page' source is created for it).",
        )

    def handle(self, *args, source: list[str], url: list[str], verbosity: int = 1, **options):
        sources = [self._page_source(u) for u in url] + self._named(source)
        if not url and not source:
            sources = list(Source.objects.filter(enabled=True))
        if not sources:
            raise CommandError(
                "There are no enabled sources; add one in the admin "
                "(Ingest > Sources) or give --url."
            )
        tally: Counter = Counter()
        failed_sources = 0
        for src in sources:
            with progress_bar(
                total=None, desc=src.name[:30], stream=self.stderr._out, enabled=verbosity > 0
            ) as bar:

                def advance(done, total, bar=bar):
                    bar.total = total
                    bar.update(done - bar.n)

                report = source_poll(source=src, progress=advance)
            if report.busy:
                self.stderr.write(
                    f"skipped: {src.name} is being polled right now (by the task runner or "
                    "another command); it was not read twice."
                )
            tally.update({str(k): v for k, v in report.counts.items()})
            if report.error:
                failed_sources += 1
                self.stderr.write(f"error: {src.name}: {report.error}")
            for problem in report.problems:
                self.stderr.write(f"error: {src.name}: {problem}")
            if report.not_modified and verbosity > 1:
                self.stdout.write(f"{src.name}: not modified since the last poll")
        self.stdout.write(", ".join(f"{tally[o]} {o}" for o in OUTCOMES) + ".")
        if tally["failed"]:
            sys.exit(1)

    def _named(self, names: list[str]) -> list[Source]:
        found = []
        for name in names:
            query = Source.objects.filter(name=name)
            if name.isdigit():
                query = query | Source.objects.filter(pk=int(name))
            source = query.first()
            if source is None:
                known = ", ".join(Source.objects.values_list("name", flat=True)[:20]) or "none"
                raise CommandError(f"There is no source named {name!r} (sources: {known}).")
            found.append(source)
        return found

    def _page_source(self, url: str) -> Source:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CommandError(f"{url!r} is not an http or https address.")
        source = Source.objects.filter(kind=Source.Kind.PAGE, url=url).first()
        if source is None:
            name = f"Page: {url}"[:120]
            source = Source.objects.create(
                name=name, kind=Source.Kind.PAGE, url=url, poll_interval=86400, enabled=False
            )
        return source
