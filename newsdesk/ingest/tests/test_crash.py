"""Crash safety, for real: a worker killed with SIGKILL in the middle of an ingest.

The ingest command runs in a subprocess against its own database (a SQLite file, or a
PostgreSQL database of its own when the suite runs on PostgreSQL) and is killed with SIGKILL
(by crashing.py, the tests' own fault injection) while the third file's items are inserted but
not committed: just before the bands of the third batch are written (a transaction per batch;
here a batch per file). The database then holds the three whole items
of the first two files and nothing of the third; running the command again finishes the
job, and the result equals that of an uninterrupted run.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.db import connection

from .server import FIXTURES

ROOT = Path(__file__).resolve().parents[3]

DUMP = """
import json
from newsdesk.ingest.models import LshBand, Source, Story, WireItem
items = []
for item in WireItem.objects.select_related("story").order_by("guid"):
    mates = sorted(item.story.items.values_list("guid", flat=True)) if item.story else None
    items.append([item.guid, item.title, item.content_hash, item.version, mates,
                  LshBand.objects.filter(item=item).count()])
print(json.dumps({"items": items, "stories": Story.objects.count(),
                  "counted": sorted(Story.objects.values_list("item_count", flat=True)),
                  "seen": Source.objects.get(name="Drop").items_seen}))
"""


class Site:
    """A database and a data folder of its own, and `newsdesk` commands run against it."""

    def __init__(self, tmp: Path, name: str, *, copy_of: Site | None = None):
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_INGEST_")}
        self.env.update(
            NEWSDESK_DATA_DIR=str(tmp / name),
            DJANGO_SETTINGS_MODULE="config.settings.base",
            NEWSDESK_INGEST_PARSE_TIMEOUT="30",
            NEWSDESK_INGEST_FOLDER_ROOTS=str(tmp),  # the drop folder is inside
            PYTHONPATH=str(ROOT),
        )
        self.env.pop("NEWSDESK_TEST_DB_NAME", None)
        self.pg_name = None
        self.name = name
        if connection.vendor == "postgresql":
            self.pg_name = f"{connection.settings_dict['NAME']}_{name}"[:60]
            base = os.environ["NEWSDESK_DATABASE_URL"].rsplit("/", 1)[0]
            self.env["NEWSDESK_DATABASE_URL"] = f"{base}/{self.pg_name}"
            self.admin_sql(f'DROP DATABASE IF EXISTS "{self.pg_name}"')
            template = f' TEMPLATE "{copy_of.pg_name}"' if copy_of else ""
            self.admin_sql(f'CREATE DATABASE "{self.pg_name}"{template}')
        elif copy_of is not None:
            # Migrating costs more than the test itself: the clean site starts as a copy.
            shutil.copytree(tmp / copy_of.name, tmp / name)

    def admin_sql(self, sql: str) -> None:
        import psycopg

        url = os.environ["NEWSDESK_DATABASE_URL"].replace("postgres://", "postgresql://", 1)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql)

    def run(self, *args, env=None, check=True, crash_at: tuple[str, int] | None = None):
        """`newsdesk ARGS`; with crash_at=(step, n), killed when store.step runs the n+1th time."""
        module = ["newsdesk"]
        if crash_at is not None:
            module = ["newsdesk.ingest.tests.crashing", crash_at[0], str(crash_at[1])]
        # Output goes to files, not pipes: a pipe would stay open as long as any child of a
        # killed process lives on, and the wait would never end.
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            proc = subprocess.run(  # noqa: S603 - our own command, fixed arguments
                [sys.executable, "-m", *module, *args],
                cwd=ROOT,
                stdout=out,
                stderr=err,
                env={**self.env, **(env or {})},
                timeout=300,
                check=False,
            )
            out.seek(0)
            err.seek(0)
            result = subprocess.CompletedProcess(proc.args, proc.returncode, out.read(), err.read())
        if check and result.returncode != 0:
            raise AssertionError(f"{args} exited {result.returncode}: {result.stderr[-2000:]}")
        return result

    def setup(self, folder: Path) -> None:
        self.run("migrate", "--no-input", "-v", "0")
        self.run(
            "shell",
            "-v",
            "0",
            "-c",
            "from newsdesk.ingest.models import Source; "
            f"Source.objects.create(name='Drop', kind='folder', path={str(folder)!r})",
        )

    def dump(self) -> dict:
        return json.loads(self.run("shell", "-v", "0", "-c", DUMP).stdout)

    def close(self) -> None:
        if self.pg_name:
            self.admin_sql(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_worker_killed_mid_ingest_leaves_no_partial_item_and_a_rerun_finishes_the_job():
    tmp = Path(tempfile.mkdtemp(prefix="newsdesk-crash-"))
    folder = tmp / "drop"
    folder.mkdir()
    for name in ("wire/reuters.rss", "wire/afp.atom", "wire/item.ninjs.json", "news-302156.txt"):
        shutil.copy(FIXTURES / name, folder / Path(name).name)
    crashed = Site(tmp, "crashed")
    clean = None
    try:
        crashed.setup(folder)
        clean = Site(tmp, "clean", copy_of=crashed)

        killed = crashed.run(
            "ingest",
            "--source",
            "Drop",
            check=False,
            crash_at=("_insert_bands", 2),
        )
        assert killed.returncode == -signal.SIGKILL
        after_crash = crashed.dump()
        # Three whole items (each with its story and its bands), nothing of the fourth.
        assert len(after_crash["items"]) == 3
        assert all(mates and bands > 0 for _g, _t, _h, _v, mates, bands in after_crash["items"])
        assert sum(after_crash["counted"]) == 3 == after_crash["seen"]

        rerun = crashed.run("ingest", "--source", "Drop")
        assert rerun.stdout.strip() == "4 created, 0 updated, 3 skipped, 0 failed."
        uninterrupted = clean.run("ingest", "--source", "Drop")
        assert uninterrupted.stdout.strip() == "7 created, 0 updated, 0 skipped, 0 failed."
        assert crashed.dump() == clean.dump()
    finally:
        crashed.close()
        if clean is not None:
            clean.close()
        shutil.rmtree(tmp, ignore_errors=True)
