"""`newsdesk demo`: load the original demo stories (safe to run again)."""

from django.core.management.base import BaseCommand

from newsdesk.site.demo import demo_load


class Command(BaseCommand):
    help = (
        "Load a small set of original demo stories with sections, keywords, authors and comments."
    )

    def handle(self, *args, verbosity: int = 1, **options):
        created, existing = demo_load()
        if verbosity:
            self.stdout.write(f"Demo stories: {created} created, {existing} already there.")
