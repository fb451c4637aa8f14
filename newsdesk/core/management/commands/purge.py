"""Purge surrogate keys from every cache now: the origin's page cache and every edge."""

from django.core.management.base import BaseCommand, CommandError

from newsdesk.core import pagecache
from newsdesk.core.edge import EdgePurgeError, edge_purge, purge_urls
from newsdesk.core.purge import edge_purge_run
from newsdesk.core.surrogate import ALL


class Command(BaseCommand):
    help = (
        "Purge pages by surrogate key (article-302156, list-home, section-3...; see "
        "docs/architecture.md) from the page cache and every edge in NEWSDESK_PURGE_URLS. "
        "--all empties every cache: for after a release that changed every page."
    )

    def add_arguments(self, parser):
        parser.add_argument("keys", nargs="*", help="Surrogate keys, as pages name them.")
        parser.add_argument("--all", action="store_true", help="Every page, everywhere.")

    def handle(self, *args, keys, all, **options):
        keys = [ALL] if all else sorted(set(keys))
        if not keys:
            raise CommandError("Name the keys to purge (e.g. article-302156), or use --all.")
        pagecache.purge(keys)
        self.stdout.write(f"Page cache: purged {' '.join(keys)}")
        failed = 0
        for base_url in purge_urls():
            try:
                edge_purge(base_url=base_url, keys=keys)
            except EdgePurgeError as error:
                failed += 1
                edge_purge_run.enqueue(base_url=base_url, keys=keys)
                self.stderr.write(f"{base_url}: {error} The task worker will try again.")
            else:
                self.stdout.write(f"{base_url}: purged")
        if failed:
            raise CommandError(f"{failed} edge(s) could not be purged now; queued for retry.")
