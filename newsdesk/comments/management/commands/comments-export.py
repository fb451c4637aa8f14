import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from newsdesk.comments.services import comments_export


class Command(BaseCommand):
    help = "Print, as JSON, everything stored about the comments sent with an email address."

    def add_arguments(self, parser):
        parser.add_argument(
            "--email", required=True, help="The address of the data-protection request."
        )

    def handle(self, *args, email: str, **options):
        try:
            validate_email(email.strip())
        except ValidationError:
            raise CommandError(f"{email!r} is not an email address.") from None
        records = comments_export(email=email)
        self.stdout.write(
            json.dumps({"email": email.strip(), "comments": records}, indent=2, ensure_ascii=False)
        )
        self.stderr.write(f"{len(records)} comment(s) stored for this address.")
