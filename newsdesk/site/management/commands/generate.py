"""`newsdesk generate --articles N`: a synthetic archive for benchmarks."""

import time

from django.core.management.base import BaseCommand, CommandError

from newsdesk.search.backends import index_suspended
from newsdesk.site.synthetic import archive_generate


class Command(BaseCommand):
    help = (
        "Add N synthetic published articles (sections, keywords, authors, comments, times spread "
        "over years) for benchmarks. Written in batches; memory use does not grow with N."
    )

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, required=True, metavar="N")
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument(
            "--years", type=int, default=5, help="Spread publication times over this many years."
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="The same seed gives the same text."
        )

    def handle(
        self,
        *args,
        articles: int,
        batch_size: int,
        years: int,
        seed: int,
        verbosity: int,
        **options,
    ):
        if articles < 1 or batch_size < 1 or years < 1:
            raise CommandError("--articles, --batch-size and --years must be at least 1.")
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            if verbosity:
                elapsed = time.perf_counter() - started
                self.stdout.write(f"  {done:,} / {total:,} articles ({elapsed:.1f} s)")

        # Indexing row by row would cost more than writing the rows: index once at the end.
        with index_suspended():
            report = archive_generate(
                articles=articles, batch_size=batch_size, years=years, seed=seed, on_batch=progress
            )
            if verbosity:
                self.stdout.write("Rebuilding the search index ...")
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Generated {report.articles:,} articles "
            f"(News IDs {report.first_news_id}-{report.last_news_id}), "
            f"{report.comments:,} comments, "
            f"{report.keywords:,} keywords in the vocabulary, in {elapsed:.1f} s."
        )
