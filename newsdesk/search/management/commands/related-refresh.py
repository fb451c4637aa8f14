"""`newsdesk related-refresh`: rank and store related stories (after an upgrade, a restore)."""

import time

from django.core.management.base import BaseCommand, CommandError

from newsdesk.articles.models import Article
from newsdesk.search.services import related_rebuild
from newsdesk.search.tasks import related_refresh_task


class Command(BaseCommand):
    help = (
        "Rank the related stories of the given articles (News IDs) and of their neighbours, and "
        "purge the pages that changed; with --all, of every article, in batches (an archive "
        "that has no lists yet, after an upgrade or a bulk load; purges nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument("news_ids", nargs="*", type=int, metavar="NEWS_ID")
        parser.add_argument("--all", action="store_true", help="Every article of the archive.")
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--from-id",
            type=int,
            default=0,
            help="With --all: only articles whose id (not News ID) is this or more.",
        )
        parser.add_argument(
            "--to-id",
            type=int,
            default=None,
            help="With --all: only articles whose id is this or less (ranges can run at once).",
        )

    def handle(self, *args, news_ids: list[int], all: bool, batch_size: int, verbosity: int, **o):
        if all == bool(news_ids):
            raise CommandError("Give the News IDs of the articles to refresh, or --all.")
        from_id, to_id = o["from_id"], o["to_id"]
        if not all and (from_id or to_id is not None):
            raise CommandError("--from-id and --to-id go with --all.")
        if to_id is not None and to_id < from_id:
            raise CommandError("--to-id must not be less than --from-id.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        started = time.perf_counter()
        if all:

            def progress(done: int, total: int) -> None:
                if verbosity:
                    elapsed = time.perf_counter() - started
                    self.stdout.write(f"  {done:,} / {total:,} articles ({elapsed:.0f} s)")

            stored = related_rebuild(
                from_id=from_id, to_id=to_id, batch_size=batch_size, on_batch=progress
            )
            self.stdout.write(
                f"Related stories ranked for {stored:,} articles readers can see, in "
                f"{time.perf_counter() - started:.0f} s. Pages kept by caches show their "
                "earlier lists until they change or expire (`newsdesk purge --all` empties them)."
            )
            return
        found = dict(Article.objects.filter(news_id__in=news_ids).values_list("news_id", "pk"))
        missing = sorted(set(news_ids) - set(found))
        if missing:
            raise CommandError(f"No article has the News ID {', '.join(map(str, missing))}.")
        changed: set[int] = set()
        for news_id in news_ids:
            changed |= set(related_refresh_task.call(article_id=found[news_id]))
        self.stdout.write(
            f"Related stories ranked again; {len(changed)} page(s) changed and purged"
            + (f": {', '.join(map(str, sorted(changed)))}." if changed else ".")
        )
