"""Update the Persian and Arabic catalogues from the sources and compile them (make messages)."""

import shutil

from django.core.management.base import BaseCommand, CommandError

from newsdesk.core.messages import TRANSLATED, catalogue, messages_update


class Command(BaseCommand):
    help = (
        "Extract every translatable string of the sources into locale/<language>/LC_MESSAGES/"
        f"django.po ({', '.join(TRANSLATED)}), keeping the translations there, and compile the "
        ".mo files. Then translate the new entries (empty or marked fuzzy), run it again, and "
        "commit both files. Needs GNU gettext (Debian package gettext)."
    )

    def handle(self, *args, **options):
        missing = [tool for tool in ("xgettext", "msgmerge", "msgfmt") if not shutil.which(tool)]
        if missing:
            raise CommandError(
                f"{', '.join(missing)} not found: install GNU gettext (apt-get install gettext)."
            )
        messages_update(verbosity=options["verbosity"])
        for language in TRANSLATED:
            self.stdout.write(f"{catalogue(language)}: up to date with the sources; compiled.")
