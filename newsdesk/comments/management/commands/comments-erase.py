from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from newsdesk.comments.services import comments_erase


class Command(BaseCommand):
    help = "Delete every comment sent with an email address (a data-protection erasure request)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="The address of the erasure request.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, email: str, yes: bool = False, **options):
        try:
            validate_email(email.strip())
        except ValidationError:
            raise CommandError(f"{email!r} is not an email address.") from None
        if not yes and options.get("interactive", True):
            answer = input(f"Delete every comment sent with {email.strip()}? Type 'yes': ")
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing was deleted.")
        deleted = comments_erase(email=email)
        self.stdout.write(f"Deleted {deleted} comment(s) sent with this address.")
