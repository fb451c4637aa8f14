"""Tests: the same code paths as production, quicker password hashing, mail kept in memory."""

import os
import tempfile

# Tests compare what they render with fixed values, so nothing of the caller's environment may
# reach the settings: every NEWSDESK_* variable is dropped except those that choose which servers
# the suite runs against (`make test-postgres` sets NEWSDESK_DATABASE_URL). A fresh data folder
# every run, never the caller's.
_SERVICES = ("NEWSDESK_DATABASE_URL", "NEWSDESK_TEST_DB_NAME", "NEWSDESK_REDIS_URL")
for _name in [n for n in os.environ if n.startswith("NEWSDESK_") and n not in _SERVICES]:
    del os.environ[_name]
os.environ.pop("DATABASE_URL", None)
os.environ["NEWSDESK_DATA_DIR"] = tempfile.mkdtemp(prefix="newsdesk-test-")

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
# A second alias on the same test database, as a replica would be (NEWSDESK_DATABASE_REPLICA_URL):
# reads are routed to it only by tests that turn NEWSDESK_READ_REPLICA on (core/dbrouter.py).
DATABASES.setdefault("replica", {**DATABASES["default"], "TEST": {"MIRROR": "default"}})  # noqa: F405
NEWSDESK_READ_REPLICA = False
