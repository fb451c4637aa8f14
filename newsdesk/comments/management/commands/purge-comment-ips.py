from django.conf import settings
from django.core.management.base import BaseCommand

from newsdesk.comments.services import comment_ips_purge


class Command(BaseCommand):
    help = "Forget commenters' IP addresses older than NEWSDESK_COMMENTS_IP_RETENTION_DAYS."

    def handle(self, *args, **options):
        purged = comment_ips_purge()
        days = settings.NEWSDESK_COMMENTS_IP_RETENTION_DAYS
        self.stdout.write(f"Forgot the IP address of {purged} comment(s) older than {days} days.")
