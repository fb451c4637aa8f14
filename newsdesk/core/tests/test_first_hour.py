"""A newcomer's first hour: `make run` ends with a short block that says where the site is and
how to sign in, the server says one line, and the suite does not read the caller's environment."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from .varnish import run_app_server

ROOT = Path(__file__).resolve().parents[3]


def test_test_settings_ignore_the_callers_environment():
    # What `make test` used to pass on (PORT gave NEWSDESK_SITE_URL), and more.
    hostile = {
        "PORT": "9999",
        "NEWSDESK_SITE_URL": "http://127.0.0.1:9999",
        "NEWSDESK_SITE_NAME": "Elsewhere",
        "NEWSDESK_PAGE_SIZE": "3",
        "NEWSDESK_FEED_FULL_TEXT": "0",
        "NEWSDESK_DATA_DIR": "/nonexistent/newsdesk",
        "DATABASE_URL": "postgres://nobody@192.0.2.1/none",
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.NEWSDESK_SITE_URL, s.NEWSDESK_SITE_NAME, s.NEWSDESK_PAGE_SIZE, "
        "s.NEWSDESK_FEED_FULL_TEXT, s.DATABASES['default']['ENGINE'], "
        "str(s.DATA_DIR).startswith('/nonexistent'))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(hostile, DJANGO_SETTINGS_MODULE="config.settings.test")
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "http://127.0.0.1:8000",
        "Newsdesk",
        "20",
        "True",
        "django.db.backends.sqlite3",
        "False",
    ]


@pytest.mark.django_db
def test_setup_shows_the_addresses_and_the_login_once(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.STATIC_ROOT = tmp_path / "static"
    settings.NEWSDESK_SITE_URL = "http://127.0.0.1:8123"
    first = StringIO()
    call_command("setup", "--no-demo", stdout=first)
    admin = get_user_model().objects.get(username="admin")
    lines = first.getvalue().strip().splitlines()
    assert len(lines) <= 6  # a short block, nothing from migrate or collectstatic
    assert "  Site:   http://127.0.0.1:8123/" in lines
    assert "  Admin:  http://127.0.0.1:8123/admin/" in lines
    login = next(line for line in lines if line.startswith("  Login:  admin / "))
    password = login.removeprefix("  Login:  admin / ").split()[0]
    assert admin.check_password(password)
    assert "changepassword admin" in lines[-1]

    again = StringIO()
    call_command("setup", "--no-demo", stdout=again)
    assert password not in again.getvalue()
    assert "Login:" not in again.getvalue()
    assert "  Site:   http://127.0.0.1:8123/" in again.getvalue()
    assert "changepassword admin" in again.getvalue()


def test_serve_says_one_line_where_it_listens_and_nothing_of_its_start_up():
    with run_app_server() as server:
        wanted = f"Serving http://127.0.0.1:{server.port}/ until Ctrl-C"
        log = server.log.read_text()
        assert wanted in log, log
        assert "Booting worker" not in log and "Starting gunicorn" not in log, log
