"""Commenters' personal data: stored protected, exported and erased on request, IPs forgotten."""

import json
from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase, override_settings
from django.utils import timezone

from newsdesk.comments.models import Comment, SpamToken
from newsdesk.comments.privacy import email_decrypt, email_digest, email_encrypt
from newsdesk.comments.services import comments_moderate

from .factories import CommentFactory


class EmailProtectionTests(TestCase):
    def test_digest_matches_whatever_the_case_and_reveals_nothing(self):
        self.assertEqual(email_digest("Walter@Example.org "), email_digest("walter@example.org"))
        # A keyed SHA-256: 64 hex digits, nothing of the address. (A local part spelt in hex
        # letters, such as "ada", would turn up by chance in one digest out of seventy.)
        digest = email_digest("walter@example.org")
        self.assertRegex(digest, r"^[0-9a-f]{64}$")
        self.assertNotIn("walter", digest)

    def test_digest_depends_on_the_key(self):
        first = email_digest("ada@example.org")
        with override_settings(NEWSDESK_EMAIL_KEY="a separate key for addresses"):
            self.assertNotEqual(email_digest("ada@example.org"), first)

    def test_encryption_round_trip_and_wrong_key(self):
        token = email_encrypt("ada@example.org")
        self.assertEqual(email_decrypt(token), "ada@example.org")
        with override_settings(NEWSDESK_EMAIL_KEY="another key"):
            self.assertEqual(email_decrypt(token), "")

    def test_no_clear_address_in_the_database_row(self):
        comment = CommentFactory(email="ada@example.org")
        row = Comment.objects.filter(pk=comment.pk).values().get()
        self.assertNotIn("ada@example.org", json.dumps(row, default=str))


class ExportEraseCommandTests(TestCase):
    def test_export_prints_everything_stored_for_the_address(self):
        mine = CommentFactory(email="Ada@example.org", body="My words", ip_address="192.0.2.4")
        CommentFactory(email="bob@example.org", body="Not mine")
        out = StringIO()
        call_command("comments-export", email="ada@EXAMPLE.org", stdout=out, stderr=StringIO())
        data = json.loads(out.getvalue())
        self.assertEqual([c["id"] for c in data["comments"]], [mine.pk])
        record = data["comments"][0]
        self.assertEqual(
            (record["body"], record["email"], record["ip_address"]),
            ("My words", "Ada@example.org", "192.0.2.4"),
        )

    def test_erase_deletes_the_addresses_comments_and_unlearns_them(self):
        mine = CommentFactory(email="ada@example.org", body="casino", status="pending")
        comments_moderate(comments=[mine], status="spam", by=None)
        reply = CommentFactory(email="bob@example.org", parent=mine, article=mine.article)
        out = StringIO()
        call_command("comments-erase", email="ADA@example.org", yes=True, stdout=out)
        self.assertIn("Deleted 1 comment", out.getvalue())
        self.assertFalse(Comment.objects.filter(pk=mine.pk).exists())
        reply.refresh_from_db()
        self.assertIsNone(reply.parent_id)
        self.assertEqual(SpamToken.objects.get(token="casino").spam, 0)

    def test_commands_refuse_a_non_address(self):
        for command in ("comments-export", "comments-erase"):
            with self.subTest(command), self.assertRaises(CommandError):
                call_command(command, email="not an address", stdout=StringIO())


@override_settings(NEWSDESK_COMMENTS_IP_RETENTION_DAYS=30)
class IpRetentionTests(TestCase):
    def test_purge_forgets_old_addresses_only(self):
        old = CommentFactory(ip_address="192.0.2.1", created_at=timezone.now() - timedelta(days=31))
        new = CommentFactory(ip_address="192.0.2.2", created_at=timezone.now() - timedelta(days=29))
        out = StringIO()
        call_command("purge-comment-ips", stdout=out)
        self.assertIn("1 comment(s)", out.getvalue())
        old.refresh_from_db()
        new.refresh_from_db()
        self.assertIsNone(old.ip_address)
        self.assertEqual(new.ip_address, "192.0.2.2")

    def test_housekeeping_task_purges_too(self):
        from newsdesk.comments.tasks import comments_housekeeping

        CommentFactory(ip_address="192.0.2.1", created_at=timezone.now() - timedelta(days=40))
        self.assertEqual(comments_housekeeping.call()["ips_purged"], 1)
