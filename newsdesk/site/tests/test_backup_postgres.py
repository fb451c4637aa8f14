"""The backup drill on PostgreSQL (issue 17): `newsdesk backup` (pg_dump) under 64 concurrent
comment posters, `newsdesk restore` (pg_restore) into an empty database; every comment
acknowledged before the backup began is there, and amcheck passes on every index.

In the PostgreSQL run only; the databases are made here and dropped after (the source cloned
from the cluster test's migrated template)."""

import os
import shutil
import tempfile
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from newsdesk.comments.tests.test_backup_drill import _env, _newsdesk, post_during_backup

from .cluster import database_url, migrated_template, postgres_answers

POSTGRES = os.environ.get(
    "NEWSDESK_CLUSTER_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres"
)


def _why_not() -> str | None:
    if connection.vendor != "postgresql":
        return "it runs in the PostgreSQL run (make test-postgres)"
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        return "pg_dump and pg_restore are not installed (apt-get install postgresql-client)"
    return postgres_answers(POSTGRES)


@pytest.fixture
def databases():
    if reason := _why_not():
        pytest.skip(f"PostgreSQL backup drill skipped: {reason}")
    source, target = (f"newsdesk_drill_{uuid.uuid4().hex[:8]}" for _ in range(2))
    template = migrated_template(POSTGRES, _env(Path(tempfile.mkdtemp(prefix="newsdesk-drill-"))))
    with psycopg.connect(POSTGRES, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{source}" TEMPLATE "{template}"')
        db.execute(f'CREATE DATABASE "{target}"')
    try:
        yield database_url(POSTGRES, source), database_url(POSTGRES, target)
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as db:
            for name in (source, target):
                db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_pg_dump_under_64_posters_restores_every_acknowledged_comment(tmp_path, databases):
    source, target = databases
    site, backup, restored = tmp_path / "site", tmp_path / "backup", tmp_path / "restored"
    before, acknowledged = post_during_backup(
        tmp_path, site=site, backup=backup, database_url=source
    )
    assert (backup / "database.pgdump").stat().st_size > 0

    done = _newsdesk("restore", str(backup), data_dir=restored, database_url=target)
    assert done.returncode == 0, done.stderr
    assert "amcheck ok on" in done.stdout, done.stdout
    with psycopg.connect(target) as db:
        kept = {row[0] for row in db.execute("SELECT id FROM comments_comment")}
    assert before <= kept, f"{len(before - kept)} acknowledged comment(s) missing from the restore"
    assert kept <= acknowledged, "the restore holds comments nobody was told were saved"

    # The target now holds a site: a second restore is refused without --force.
    refused = _newsdesk("restore", str(backup), data_dir=tmp_path / "again", database_url=target)
    assert refused.returncode != 0
    assert "already holds a site" in refused.stderr
