"""Tests: the same code paths as production, quicker password hashing, mail kept in memory."""

import os
import tempfile

os.environ.setdefault("NEWSDESK_DATA_DIR", tempfile.mkdtemp(prefix="newsdesk-test-"))

from .base import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Tasks run at once, in the test's thread, through the same backend as production (huey's immediate
# mode keeps its queue in memory). Tests that need a real consumer switch immediate off.
HUEY = {**HUEY, "immediate": True}  # noqa: F405
TASKS["default"]["OPTIONS"] = {"retries": 0, "retry_delay": 0}  # noqa: F405
