"""Bring a data folder up to date: migrations, static files; on a new site, demo and an admin.

Whether the site is new is decided from the database itself (no stories and no logins), never
from a file beside it: a restore brings the database back but not necessarily anything else, and
a live site must never get the demo stories or a second administrator.

It ends with a short block for the person at the terminal: the site's address, the admin's, and
the admin login on the first run (shown then only, never written to a file or a log) or, later,
how to set a new password. Migrations and static files say nothing unless asked (-v 2).
"""

import secrets
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.urls import reverse


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

    def handle(self, *args, no_demo: bool = False, verbosity: int = 1, **options):
        quiet = 0 if verbosity < 2 else verbosity
        call_command("migrate", interactive=False, verbosity=quiet)
        call_command("collectstatic", interactive=False, verbosity=quiet)
        new = site_is_new()
        password = None
        if new:
            if not no_demo:
                call_command("demo", verbosity=quiet)
            password = secrets.token_urlsafe(12)
            get_user_model().objects.create_superuser("admin", "admin@localhost", password)
        if verbosity:
            self.stdout.write(self._summary(new, password, demo=new and not no_demo))

    def _summary(self, new: bool, password: str | None, *, demo: bool) -> str:
        site = settings.NEWSDESK_SITE_URL
        state = "set up" if new else "up to date (it has content: no demo, no new login)"
        if demo:
            state += ", with the demo stories"
        lines = [
            "",
            self.style.SUCCESS(f"Newsdesk is {state}."),
            f"  Site:   {site}/",
            f"  Admin:  {site}{reverse('admin:index')}",
        ]
        if password:
            # Shown once, on the terminal of the person who set the site up; never logged.
            lines.append(self.style.WARNING(f"  Login:  admin / {password}   (shown only now)"))
        # The command as the reader can type it here: `make run` installs it in .venv.
        command = ".venv/bin/newsdesk" if Path(".venv/bin/newsdesk").exists() else "newsdesk"
        lines.append(f"  A new password, any time:  {command} changepassword admin")
        return "\n".join(lines) + "\n"
