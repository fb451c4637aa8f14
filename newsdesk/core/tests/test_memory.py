"""Memory bounds of the server processes (core/memory.py, docs/operations.md "Memory")."""

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

from django.core.management import call_command
from django.test import SimpleTestCase, override_settings

from newsdesk.core.management.commands import serve

from .test_settings import run_newsdesk

READ_PRAGMAS = (
    "from django.db import connection; c = connection.cursor(); "
    "print(c.execute('PRAGMA mmap_size').fetchone()[0], "
    "c.execute('PRAGMA cache_size').fetchone()[0])"
)


def test_each_sqlite_connection_maps_and_caches_what_the_settings_say(tmp_path):
    result = run_newsdesk(
        "shell",
        "-c",
        READ_PRAGMAS,
        env={"NEWSDESK_SQLITE_MMAP_BYTES": "1048576", "NEWSDESK_SQLITE_CACHE_KIB": "512"},
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["1048576", "-512"]


def test_by_default_sqlite_maps_nothing_and_caches_2000_kib_per_connection(tmp_path):
    result = run_newsdesk("shell", "-c", READ_PRAGMAS, env={}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["0", "-2000"]


def test_by_default_one_web_worker_per_core_the_process_may_use(tmp_path):
    code = "from django.conf import settings; print(settings.NEWSDESK_WEB_WORKERS)"
    one_core = subprocess.run(
        [sys.executable, "-m", "newsdesk", "shell", "-c", code],
        cwd=Path(__file__).resolve().parents[3],
        env={"PATH": "/usr/bin:/bin", "NEWSDESK_DATA_DIR": str(tmp_path)},
        preexec_fn=lambda: os.sched_setaffinity(0, {0}),  # as under `taskset -c 0`
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert one_core.returncode == 0, one_core.stderr
    assert one_core.stdout.splitlines()[-1] == "1"


@override_settings(NEWSDESK_WEB_WORKERS=3, NEWSDESK_WEB_THREADS=5, NEWSDESK_MALLOC_ARENA_MAX=2)
class ServeFollowsTheSettingsTests(SimpleTestCase):
    def serve(self, *args: str) -> tuple[dict, mock.Mock]:
        with (
            mock.patch.object(serve, "_Gunicorn") as gunicorn,
            mock.patch.object(serve, "malloc_arenas_limit") as arenas,
        ):
            call_command("serve", "--no-worker", *args, verbosity=0)
        options = gunicorn.call_args.args[0]
        return options, arenas

    def test_web_workers_and_threads_come_from_the_settings(self):
        options, arenas = self.serve()
        self.assertEqual((options["workers"], options["threads"]), (3, 5))
        arenas.assert_called_once_with(2)

    def test_the_command_line_overrides_them(self):
        options, _ = self.serve("--workers", "1", "--threads", "2")
        self.assertEqual((options["workers"], options["threads"]), (1, 2))


ARENAS = """
import ctypes, os, re, sys, tempfile, threading
from newsdesk.core.memory import malloc_arenas_limit
limit = int(sys.argv[1])
applied = malloc_arenas_limit(limit) if limit else False
start = threading.Barrier(8)
def work():
    start.wait()  # all at once, so that the arena locks are contended
    kept = [bytes(2000 + i) for i in range(2000)]
    start.wait()
threads = [threading.Thread(target=work) for _ in range(8)]
[t.start() for t in threads]
[t.join() for t in threads]
libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
path = tempfile.mktemp()
f = libc.fopen(path.encode(), b"w")
libc.malloc_info(0, ctypes.c_void_p(f))
libc.fclose(ctypes.c_void_p(f))
print(applied, len(re.findall(r'<heap nr="\\d+">', open(path).read())))
os.unlink(path)
"""


def arenas_used(limit: int) -> tuple[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", ARENAS, str(limit)],
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    applied, heaps = done.stdout.split()
    return applied, int(heaps)


def test_the_malloc_arena_bound_holds_however_many_threads_allocate():
    assert arenas_used(1) == ("True", 1)
    assert arenas_used(2)[1] <= 2
