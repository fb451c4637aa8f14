import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.test import TestCase, override_settings
from django.urls import reverse

from newsdesk.core.tasks import periodic_jobs
from newsdesk.ingest.models import Source, WireItem
from newsdesk.ingest.tasks import ingest_index_archive, ingest_poll_due

from .factories import SourceFactory
from .server import FIXTURES


class IngestTaskTests(TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        folder = Path(self.tmp.name)
        roots = override_settings(NEWSDESK_INGEST_FOLDER_ROOTS=[self.tmp.name])
        roots.enable()
        self.addCleanup(roots.disable)
        (folder / "afp.atom").write_bytes((FIXTURES / "wire/afp.atom").read_bytes())
        self.source = SourceFactory(kind=Source.Kind.FOLDER, url="", path=str(folder))

    def tearDown(self):
        self.tmp.cleanup()

    def test_polling_and_archive_signing_are_periodic_jobs(self):
        names = {job.name for job in periodic_jobs()}
        self.assertIn("periodic:newsdesk.ingest.tasks.ingest_poll_due", names)
        self.assertIn("periodic:newsdesk.ingest.tasks.ingest_index_archive", names)

    def test_the_periodic_poll_polls_due_sources_once(self):
        result = ingest_poll_due.enqueue()
        self.assertEqual(result.return_value, {"sources": 1, "failed_sources": 0, "created": 2})
        self.assertEqual(WireItem.objects.count(), 2)
        # Not due again until its interval has passed.
        self.assertEqual(
            ingest_poll_due.enqueue().return_value, {"sources": 0, "failed_sources": 0}
        )

    def test_archive_signing_task_runs_until_done(self):
        self.assertEqual(ingest_index_archive.enqueue().return_value, 0)

    def test_poll_now_from_the_admin(self):
        admin = get_user_model().objects.create_superuser("ad", "ad@example.org", "pw")
        self.client.force_login(admin)
        self.client.post(
            reverse("admin:ingest_source_changelist"),
            {"action": "poll_now", "_selected_action": [self.source.pk]},
        )
        self.assertEqual(WireItem.objects.count(), 2)
        self.source.refresh_from_db()
        self.assertIsNotNone(self.source.last_success_at)
