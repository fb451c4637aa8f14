"""Bring a data folder up to date: migrations, static files; on a new site, demo and an admin.

Whether the site is new is decided from the database itself (no stories and no logins), never
from a file beside it: a restore brings the database back but not necessarily anything else, and
a live site must never get the demo stories or a second administrator.
"""

import secrets

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand


def site_is_new() -> bool:
    """No articles and no users: nothing that a demo or a generated admin login could spoil."""
    # By name: core sits below the articles app and does not import it (docs/architecture.md).
    Article = apps.get_model("articles", "Article")
    return not Article.objects.exists() and not get_user_model().objects.exists()


class Command(BaseCommand):
    help = (
        "Migrate, collect static files and, on a new site (no articles, no users), load the demo "
        "and create an admin login."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-demo", action="store_true", help="Do not load demo content on a new site."
        )

    def handle(self, *args, no_demo: bool = False, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if not site_is_new():
            self.stdout.write("Site is set up: it has content, so no demo and no new login.")
            return
        if not no_demo:
            call_command("demo", verbosity=0)
            self.stdout.write("Loaded the demo content.")
        password = secrets.token_urlsafe(12)
        get_user_model().objects.create_superuser("admin", "admin@localhost", password)
        # Shown once, on the terminal of the person who set the site up; never logged to a file.
        self.stdout.write(
            self.style.SUCCESS(
                f"\nAdmin login (shown once): user 'admin', password '{password}'\n"
                f"Sign in at {settings.NEWSDESK_SITE_URL}/admin/ and change it.\n"
            )
        )
