import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


def run_newsdesk(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, "-m", "newsdesk", *args],
        cwd=ROOT,
        env={**base, "NEWSDESK_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    result = run_newsdesk(
        "check",
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings.prod",
            "NEWSDESK_ALLOWED_HOSTS": "news.example",
        },
        tmp_path=tmp_path,
    )
    assert result.returncode != 0
    assert "NEWSDESK_SECRET_KEY is not set" in result.stderr


def test_production_settings_refuse_to_start_without_allowed_hosts(tmp_path):
    result = run_newsdesk(
        "check",
        env={"DJANGO_SETTINGS_MODULE": "config.settings.prod", "NEWSDESK_SECRET_KEY": "x" * 60},
        tmp_path=tmp_path,
    )
    assert result.returncode != 0
    assert "NEWSDESK_ALLOWED_HOSTS is not set" in result.stderr


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "NEWSDESK_SECRET_KEY": "k3J9-vQ2_rT8zLw5xN1mB7cY4pH6sD0fG2aE9uI3oK8jZ5qW1tR7yU4iO6pL2nM0",
        "NEWSDESK_ALLOWED_HOSTS": "news.example",
    }
    result = run_newsdesk(
        "check", "--deploy", "--fail-level", "WARNING", env=env, tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_local_settings_keep_a_generated_secret_key_in_the_data_folder(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = run_newsdesk("shell", "-c", code, env={}, tmp_path=tmp_path)
    second = run_newsdesk("shell", "-c", code, env={}, tmp_path=tmp_path)
    assert first.returncode == 0, first.stderr
    key = (tmp_path / "secret_key").read_text().strip()
    assert len(key) >= 50
    assert key in first.stdout and key in second.stdout


def test_database_url_selects_postgresql(tmp_path):
    code = (
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "print(d['ENGINE'], d['NAME'])"
    )
    result = run_newsdesk(
        "shell",
        "-c",
        code,
        env={"NEWSDESK_DATABASE_URL": "postgres://u@db.example:5432/news"},
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "django.db.backends.postgresql news" in result.stdout


def test_default_database_is_sqlite_in_the_data_folder(tmp_path):
    code = "from django.conf import settings; print(settings.DATABASES['default']['NAME'])"
    result = run_newsdesk("shell", "-c", code, env={}, tmp_path=tmp_path)
    assert result.stdout.strip().endswith(str(tmp_path / "newsdesk.sqlite3"))


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite pragmas apply to the SQLite default only"
)
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_immediate_transactions():
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1
    # The test database is in memory, where WAL does not apply: check what a file database runs.
    assert "journal_mode=WAL" in options["init_command"]
