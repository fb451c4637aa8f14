"""Bring a data folder up to date: migrations, static files; on a new site, demo and an admin."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Migrate, collect static files and, on a new site, load the demo and create an admin login."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-demo", action="store_true", help="Do not load demo content on a new site."
        )

    def handle(self, *args, no_demo: bool = False, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        marker = settings.DATA_DIR / ".initialised"
        if marker.exists():
            self.stdout.write("Site is set up.")
            return
        if not no_demo:
            call_command("demo", verbosity=0)
            self.stdout.write("Loaded the demo content.")
        User = get_user_model()
        if not User.objects.filter(is_superuser=True).exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser("admin", "admin@localhost", password)
            # Shown once, on the terminal of the person who set the site up; never logged to a file.
            self.stdout.write(
                self.style.SUCCESS(
                    f"\nAdmin login (shown once): user 'admin', password '{password}'\n"
                    f"Sign in at {settings.NEWSDESK_SITE_URL}/admin/ and change it.\n"
                )
            )
        marker.touch()
