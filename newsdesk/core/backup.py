"""Backups that restore: `newsdesk backup DIR` and `newsdesk restore DIR`.

A backup is a folder holding everything a restore needs, taken while the site runs:

- the database: on SQLite a copy made with SQLite's online backup API (one read transaction,
  so a consistent snapshot, while writers go on under WAL); on PostgreSQL a `pg_dump` in its
  custom format (one snapshot too);
- the task queue's own SQLite file (scheduled and queued tasks), when it has one;
- uploads (MEDIA_ROOT) and the data folder's generated secret key (comment e-mail addresses
  are encrypted with a key derived from it, sessions and the captcha are signed with it);
- `manifest.json`: what was taken, when, from which migrations, with a SHA-256 of every file.

A restore checks every file against the manifest before it writes anything, writes each file
beside its destination and moves it into place only once it is whole, and then checks what it
restored (`PRAGMA integrity_check`, or amcheck's index checks on PostgreSQL). It refuses to
write over a data folder or database that already holds a site, unless told to (--force).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connections

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
TASKS_FILE = "tasks.sqlite3"
MEDIA = "media"
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name
# What a data folder may hold and still count as fresh: what starting Newsdesk creates by itself.
FRESH_LEFTOVERS = {"secret_key", "purges.log", "static", "drop"}


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why and what to do."""


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.lines.append(text)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _engine(alias: str = "default") -> str:
    return connections[alias].vendor  # "sqlite" or "postgresql"


def _tasks_file() -> Path | None:
    filename = settings.HUEY.get("filename")
    return Path(filename) if filename and not settings.HUEY.get("immediate") else None


def sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (the online backup API, all pages in one
    step: one read transaction, so writers under WAL are not held up and never half-seen)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def sqlite_integrity(path: Path, *, immutable: bool = False) -> str:
    """'ok', or what `PRAGMA integrity_check` found. `immutable`: a file no one else has open
    (no -wal or -shm file is made beside it)."""
    db = sqlite3.connect(f"file:{path}?{'immutable=1' if immutable else 'mode=ro'}", uri=True)
    try:
        rows = db.execute("PRAGMA integrity_check").fetchall()
    finally:
        db.close()
    return "; ".join(row[0] for row in rows)


def _pg_command(program: str, alias: str = "default") -> tuple[list[str], dict[str, str]]:
    """The connection options of `alias` for a PostgreSQL client program; the password goes in
    its environment, never on the command line (where `ps` shows it) or in a message."""
    db = settings.DATABASES[alias]
    if not shutil.which(program):
        raise BackupError(
            f"{program} is not installed: install PostgreSQL's client programs "
            "(`apt-get install postgresql-client`) of the server's version or newer."
        )
    args = [program, "--no-password"]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args += [option, str(db[key])]
    env = {**os.environ, "PGDATABASE": str(db["NAME"])}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:
        detail = " ".join(done.stderr.split())[:500]
        raise BackupError(f"{what} failed (exit {done.returncode}): {detail}")


def _migrations(alias: str = "default") -> dict[str, str]:
    from django.db.migrations.recorder import MigrationRecorder

    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connections[alias]).applied_migrations():
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


def backup_create(*, target: Path, alias: str = "default") -> Report:
    """Write a backup of the running site into `target`, a new or empty folder."""
    target = Path(target)
    if target.resolve().is_relative_to(Path(settings.DATA_DIR).resolve()):
        raise BackupError(
            f"{target} is inside the data folder: a backup there would copy itself, and be lost "
            "with the machine. Give a folder elsewhere (another disk, a mounted share)."
        )
    if target.exists() and any(target.iterdir()):
        raise BackupError(
            f"{target} is not empty: give a new folder for each backup (a dated name, say)."
        )
    target.mkdir(parents=True, exist_ok=True)
    report = Report()
    started = datetime.now(UTC)
    engine = _engine(alias)
    # Read first, so that the snapshot taken next is at least as new as what it names.
    migrations = _migrations(alias)
    if engine == "sqlite":
        name = Path(settings.DATABASES[alias]["NAME"])
        sqlite_copy(name, target / SQLITE_FILE)
        report.say(f"Database: {name} copied with SQLite's online backup.")
        database = {"engine": "sqlite", "file": SQLITE_FILE}
    elif engine == "postgresql":
        args, env = _pg_command("pg_dump", alias)
        _run([*args, "--format=custom", "--file", str(target / PG_FILE)], env, "pg_dump")
        report.say(f"Database: {settings.DATABASES[alias]['NAME']} dumped with pg_dump.")
        database = {"engine": "postgresql", "file": PG_FILE}
    else:
        raise BackupError(f"Backups of a {engine} database are not supported.")
    tasks = _tasks_file()
    if tasks and tasks.exists():
        sqlite_copy(tasks, target / TASKS_FILE)
        report.say("Task queue: copied.")
    media = Path(settings.MEDIA_ROOT)
    if media.is_dir():
        shutil.copytree(media, target / MEDIA, symlinks=False)
        report.say(
            f"Uploads: {sum(1 for p in (target / MEDIA).rglob('*') if p.is_file())} file(s)."
        )
    key = Path(settings.DATA_DIR) / SECRET_KEY_FILE
    key_from_env = bool(os.environ.get("NEWSDESK_SECRET_KEY"))
    if not key_from_env and key.is_file():
        shutil.copyfile(key, target / SECRET_KEY_FILE)
        os.chmod(target / SECRET_KEY_FILE, 0o600)
        report.say("Secret key: copied (keep this backup as secret as the key).")
    elif key_from_env:
        report.say("Secret key: set by NEWSDESK_SECRET_KEY, not copied; restore with the same.")
    files = {
        str(path.relative_to(target)): _sha256(path)
        for path in sorted(target.rglob("*"))
        if path.is_file()
    }
    manifest = {
        "format": FORMAT,
        "started_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "database": database,
        "migrations": migrations,
        "secret_key_from_environment": key_from_env,
        "files": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    report.say(f"Backup complete: {target} ({len(files)} file(s), manifest.json).")
    return report


def backup_verify(*, source: Path) -> dict:
    """The backup's manifest, once every file it lists is there with its checksum."""
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(
            f"{source} holds no manifest.json: it is not a Newsdesk backup."
        ) from None
    except json.JSONDecodeError as error:
        raise BackupError(f"{source / MANIFEST} is damaged ({error}).") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{source} is a backup of format {manifest.get('format')!r}; "
            f"this Newsdesk restores format {FORMAT}."
        )
    for relative, digest in manifest["files"].items():
        path = source / relative
        if not path.is_file():
            raise BackupError(f"{path} is missing from the backup: nothing was restored.")
        if _sha256(path) != digest:
            raise BackupError(f"{path} does not match its checksum: nothing was restored.")
    return manifest


def _data_dir_holds_a_site(data_dir: Path) -> list[str]:
    found = []
    for path in sorted(data_dir.iterdir()) if data_dir.is_dir() else []:
        if path.name in FRESH_LEFTOVERS or path.name.endswith(".write-gate"):
            continue
        if path.is_dir() and not any(p.is_file() for p in path.rglob("*")):
            continue  # empty folders (media/) made at start-up
        if path.suffix == ".sqlite3" and not _sqlite_has_rows(path):
            continue  # an empty database or task queue, opened at start-up
        found.append(path.name)
    return found


def _sqlite_has_rows(path: Path) -> bool:
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return True  # not a database we can read: not ours to replace
    try:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return any(
            # Table names read from the file's own schema, quoted.
            db.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone()  # noqa: S608
            for table in tables
        )
    except sqlite3.Error:
        return True
    finally:
        db.close()


def _pg_holds_a_site(alias: str) -> bool:
    with connections[alias].cursor() as cursor:
        return "django_migrations" in connections[alias].introspection.table_names(cursor)


def _put(source: Path, destination: Path) -> None:
    """Copy beside the destination, then move into place: never half a file where it counts."""
    partial = destination.with_name(destination.name + ".restoring")
    shutil.copyfile(source, partial)
    os.replace(partial, destination)


def backup_restore(*, source: Path, force: bool = False, alias: str = "default") -> Report:
    """Bring a backup back into this site's data folder (and PostgreSQL database)."""
    source = Path(source)
    manifest = backup_verify(source=source)
    report = Report()
    data_dir = Path(settings.DATA_DIR)
    engine = manifest["database"]["engine"]
    if engine != _engine(alias):
        raise BackupError(
            f"The backup holds a {engine} database but this site is set up for "
            f"{_engine(alias)}: set NEWSDESK_DATABASE_URL to match, then restore again."
        )
    holding = _data_dir_holds_a_site(data_dir)
    if engine == "postgresql" and _pg_holds_a_site(alias):
        holding.append(f"the PostgreSQL database {settings.DATABASES[alias]['NAME']}")
    if holding and not force:
        raise BackupError(
            f"{data_dir} already holds a site ({', '.join(holding)}); nothing was restored. "
            "Restore into a fresh data folder (NEWSDESK_DATA_DIR) and empty database, or add "
            "--force to replace what is there."
        )
    connections.close_all()
    if engine == "sqlite":
        name = Path(settings.DATABASES[alias]["NAME"])
        partial = name.with_name(name.name + ".restoring")
        shutil.copyfile(source / SQLITE_FILE, partial)
        if (found := sqlite_integrity(partial, immutable=True)) != "ok":
            partial.unlink()
            raise BackupError(f"The backed-up database fails its integrity check: {found}")
        for suffix in ("-wal", "-shm"):  # an old log must not be replayed into the new file
            name.with_name(name.name + suffix).unlink(missing_ok=True)
        os.replace(partial, name)
        report.say(f"Database: restored to {name}; integrity check ok.")
    else:
        args, env = _pg_command("pg_restore", alias)
        options = ["--clean", "--if-exists"] if force else []
        _run(
            [
                *args,
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                *options,
                "--dbname",
                str(settings.DATABASES[alias]["NAME"]),
                str(source / PG_FILE),
            ],
            env,
            "pg_restore",
        )
        report.say(
            f"Database: restored into {settings.DATABASES[alias]['NAME']}; "
            f"{postgres_integrity(alias)}."
        )
    tasks = _tasks_file()
    if (source / TASKS_FILE).is_file():
        if tasks:
            for suffix in ("-wal", "-shm"):
                tasks.with_name(tasks.name + suffix).unlink(missing_ok=True)
            _put(source / TASKS_FILE, tasks)
            report.say(f"Task queue: restored; integrity check {sqlite_integrity(tasks)}.")
        else:
            report.say(
                "Task queue: this site keeps its queue in Redis; the backed-up SQLite "
                "queue was not restored (tasks are caught up at worker start)."
            )
    if (source / MEDIA).is_dir():
        shutil.copytree(source / MEDIA, settings.MEDIA_ROOT, dirs_exist_ok=True)
        report.say("Uploads: restored.")
    if (source / SECRET_KEY_FILE).is_file():
        _put(source / SECRET_KEY_FILE, data_dir / SECRET_KEY_FILE)
        os.chmod(data_dir / SECRET_KEY_FILE, 0o600)
        report.say("Secret key: restored.")
    elif manifest.get("secret_key_from_environment"):
        report.say("Secret key: set NEWSDESK_SECRET_KEY to the key the backed-up site used.")
    report.say(
        f"Restore complete from a backup started {manifest['started_at']}. "
        "Run `newsdesk migrate` if this Newsdesk is newer than the backup's."
    )
    return report


def postgres_integrity(alias: str = "default") -> str:
    """amcheck's structural check of every B-tree index (the closest PostgreSQL has to
    SQLite's integrity_check): raises BackupError on the first damaged one."""
    with connections[alias].cursor() as cursor:
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
        except Exception:
            return "amcheck is not available to this user: indexes not checked"
        cursor.execute(
            "SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE a.amname = 'btree' AND n.nspname = current_schema() AND i.indisvalid"
        )
        indexes = [row[0] for row in cursor.fetchall()]
        for index in indexes:
            try:
                cursor.execute("SELECT bt_index_check(%s::regclass, true)", [index])
            except Exception as error:
                raise BackupError(f"The index {index} fails amcheck: {error}") from None
    return f"amcheck ok on {len(indexes)} indexes"
