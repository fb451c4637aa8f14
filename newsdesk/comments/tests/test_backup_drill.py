"""The backup drill (issue 17): a backup taken under 64 concurrent comment posters restores
every comment acknowledged before it began, into a database that passes its integrity check.

The site runs in processes of its own on a real SQLite file (WAL), as `newsdesk serve` runs it:
the posters in one, `newsdesk backup` and `newsdesk restore` as commands.
"""

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from newsdesk.core.backup import sqlite_integrity

POSTERS = 64


def _env(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["NEWSDESK_DATABASE_URL"] = database_url
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "NEWSDESK_DATA_DIR": str(data_dir),
        # Rate limits would stop 64 posters within seconds; the drill is about the backup.
        "NEWSDESK_COMMENTS_RATE_IP": "1000000/600",
        "NEWSDESK_COMMENTS_RATE_EMAIL": "1000000/600",
        "NEWSDESK_COMMENTS_RATE_NOJS_IP": "1000000/600",
        "NEWSDESK_COMMENTS_RATE_NOJS_SITE": "1000000/600",
        "NEWSDESK_MODERATION_NOTIFY_INTERVAL": "0",
        "NEWSDESK_LOG_LEVEL": "WARNING",
    }


def _newsdesk(
    *args: str, data_dir: Path, database_url: str | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newsdesk", *args],
        env=_env(data_dir, database_url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _acked(path: Path) -> set[int]:
    text = path.read_text() if path.exists() else ""
    return {int(line) for line in text[: text.rfind("\n") + 1].split()}


def post_during_backup(
    tmp_path: Path, *, site: Path, backup: Path, database_url: str | None = None
) -> tuple[set[int], set[int]]:
    """Run POSTERS comment posters on the site, take `newsdesk backup` once they are going, and
    stop them a little after it. Returns the comments acknowledged before the backup began and
    all acknowledged."""
    acks, stop = tmp_path / "acks", tmp_path / "stop"
    posters = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "newsdesk.comments.tests.drill_posters",
            str(acks),
            str(stop),
            str(POSTERS),
            "30",
        ],
        env=_env(site, database_url),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while len(_acked(acks)) < 3 * POSTERS and time.monotonic() < deadline:
            assert posters.poll() is None, posters.stderr.read()
            time.sleep(0.05)
        before = _acked(acks)  # every one of these was acknowledged before the backup began
        assert len(before) >= 3 * POSTERS, "the posters did not get going"
        made = _newsdesk("backup", str(backup), data_dir=site, database_url=database_url)
        during = _acked(acks) - before
        time.sleep(0.3)
    finally:
        stop.touch()
        _, errors = posters.communicate(timeout=60)
    assert made.returncode == 0, made.stderr
    assert posters.returncode == 0, errors
    assert during, "no comment was acknowledged while the backup ran: it ran without load"
    return before, _acked(acks)


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="the SQLite backup drill runs in the SQLite run; the PostgreSQL one in "
    "newsdesk/site/tests/test_backup_postgres.py",
)
def test_backup_under_64_posters_restores_every_acknowledged_comment(tmp_path):
    site, backup, restored = tmp_path / "site", tmp_path / "backup", tmp_path / "restored"
    migrated = _newsdesk("migrate", "-v", "0", data_dir=site)
    assert migrated.returncode == 0, migrated.stderr
    before, acknowledged = post_during_backup(tmp_path, site=site, backup=backup)

    done = _newsdesk("restore", str(backup), data_dir=restored)
    assert done.returncode == 0, done.stderr
    database = restored / "newsdesk.sqlite3"
    assert sqlite_integrity(database) == "ok"
    assert sqlite_integrity(restored / "tasks.sqlite3") == "ok"
    db = sqlite3.connect(database)
    try:
        kept = {row[0] for row in db.execute("SELECT id FROM comments_comment")}
    finally:
        db.close()
    assert before <= kept, f"{len(before - kept)} acknowledged comment(s) missing from the restore"
    assert kept <= acknowledged, "the restore holds comments nobody was told were saved"
    assert (restored / "secret_key").read_text() == (site / "secret_key").read_text()

    # The restored folder now holds a site: a second restore is refused and changes nothing.
    before = database.read_bytes()
    refused = _newsdesk("restore", str(backup), data_dir=restored)
    assert refused.returncode != 0
    assert "already holds a site" in refused.stderr and "--force" in refused.stderr
    assert database.read_bytes() == before
