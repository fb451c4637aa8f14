import os
import subprocess
import sys

from django.conf import settings
from django.test import SimpleTestCase, override_settings

from newsdesk.core.purge import content_changed, content_generation


class ContentGenerationTests(SimpleTestCase):
    def test_a_change_raises_the_generation(self):
        before = content_generation()
        self.assertEqual(content_changed(paths=[]), before + 1)
        self.assertEqual(content_generation(), before + 1)

    def test_a_change_made_by_another_process_is_seen_here(self):
        # The task worker purges; the web workers, each with its own local cache, must see it.
        self.assertIsNotNone(settings.NEWSDESK_CONTENT_GENERATION_FILE)
        before = content_generation()
        code = (
            "import django; django.setup()\n"
            "from newsdesk.core.purge import content_changed\n"
            "content_changed(paths=['/'])\n"
        )
        env = {**os.environ, "NEWSDESK_DATA_DIR": str(settings.DATA_DIR)}
        subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
        self.assertEqual(content_generation(), before + 1)

    @override_settings(NEWSDESK_CONTENT_GENERATION_FILE=None)
    def test_with_a_shared_cache_the_cache_holds_it(self):
        before = content_generation()
        content_changed(paths=[])
        self.assertEqual(content_generation(), before + 1)
