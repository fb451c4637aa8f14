"""What `newsdesk backup` and `restore` refuse before they write anything (core/backup.py); the
drills under load are newsdesk/comments/tests/test_backup_drill.py and
newsdesk/site/tests/test_backup_postgres.py."""

import json

import pytest
from django.conf import settings

from newsdesk.core.backup import BackupError, backup_create, backup_verify


def test_a_backup_inside_the_data_folder_is_refused():
    with pytest.raises(BackupError, match="inside the data folder"):
        backup_create(target=settings.DATA_DIR / "backups" / "today")
    assert not (settings.DATA_DIR / "backups").exists()


def test_a_backup_into_a_folder_that_holds_files_is_refused(tmp_path):
    (tmp_path / "old.txt").write_text("an earlier backup")
    with pytest.raises(BackupError, match="not empty"):
        backup_create(target=tmp_path)


def test_a_folder_without_a_manifest_is_not_a_backup(tmp_path):
    with pytest.raises(BackupError, match="no manifest.json"):
        backup_verify(source=tmp_path)


def test_a_changed_or_missing_file_fails_the_check(tmp_path):
    (tmp_path / "database.sqlite3").write_bytes(b"data")
    digest = "3a6eb0790f39ac87c94f3856b2dd2c5d110e6811602261a9a923d3bb23adc8b7"  # sha256(b"data")
    manifest = {"format": 1, "files": {"database.sqlite3": digest}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert backup_verify(source=tmp_path)["files"]
    (tmp_path / "database.sqlite3").write_bytes(b"dat4")
    with pytest.raises(BackupError, match="does not match its checksum"):
        backup_verify(source=tmp_path)
    (tmp_path / "database.sqlite3").unlink()
    with pytest.raises(BackupError, match="missing from the backup"):
        backup_verify(source=tmp_path)
