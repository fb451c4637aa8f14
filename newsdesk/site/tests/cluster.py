"""A cluster on loopback for the cluster test: a PostgreSQL database of its own, a Redis server of
its own (so that stopping it stops nobody else's), and the processes of deploy/cluster/Procfile.

    with Cluster(postgres_url=..., secret_key=...) as cluster:
        cluster.web[0]  # http://127.0.0.1:PORT of web1

Everything binds to 127.0.0.1 and is stopped (and the database dropped) on exit.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import requests

from newsdesk.core.queue import InFlight, ReliablePriorityRedisHuey
from newsdesk.core.tests.redis_server import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[3]
PROCFILE = ROOT / "deploy" / "cluster" / "Procfile"


def procfile() -> dict[str, str]:
    lines = [line for line in PROCFILE.read_text().splitlines() if line and line[0] != "#"]
    return dict(line.split(": ", 1) for line in lines)


def postgres_answers(url: str) -> str | None:
    """None when PostgreSQL answers at `url`, else why not."""
    try:
        psycopg.connect(url, connect_timeout=2).close()
    except psycopg.Error as error:
        where = f"{urlsplit(url).hostname}:{urlsplit(url).port or 5432}"
        return f"PostgreSQL does not answer at {where} ({type(error).__name__})"
    return None


def database_url(admin_url: str, database: str) -> str:
    return urlunsplit(urlsplit(admin_url)._replace(path="/" + database))


def migrated_template(admin_url: str, env: dict[str, str]) -> str:
    """A database migrated once for these migrations, to clone (`CREATE DATABASE ... TEMPLATE`)
    for each cluster or drill: migrating takes most of a minute on a busy machine, a clone a
    second. Made under an advisory lock, so that two runs at once make it once."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("newsdesk/*/migrations/*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    name = f"newsdesk_cluster_tpl_{digest.hexdigest()[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as db:
        db.execute("SELECT pg_advisory_lock(170017)")
        try:
            if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                db.execute(f'DROP DATABASE IF EXISTS "{name}_partial"')
                db.execute(f'CREATE DATABASE "{name}_partial"')
                made = subprocess.run(
                    [sys.executable, "-m", "newsdesk", "migrate", "-v", "0"],
                    env={
                        **env,
                        "NEWSDESK_DATABASE_URL": database_url(admin_url, name + "_partial"),
                    },
                    capture_output=True,
                    text=True,
                    timeout=300,
                    cwd=ROOT,
                )
                if made.returncode:
                    db.execute(f'DROP DATABASE "{name}_partial"')
                    raise RuntimeError(f"migrate failed:\n{made.stderr[-3000:]}")
                db.execute(f'ALTER DATABASE "{name}_partial" RENAME TO "{name}"')
        finally:
            db.execute("SELECT pg_advisory_unlock(170017)")
    return name


class Cluster:
    def __init__(self, *, postgres_url: str, secret_key: str, scheduled_in: float, env: dict):
        self.admin_url = postgres_url
        self.name = f"newsdesk_cluster_{uuid.uuid4().hex[:8]}"
        parts = urlsplit(postgres_url)
        self.database_url = urlunsplit(parts._replace(path="/" + self.name))
        self.secret_key = secret_key
        self.scheduled_in = scheduled_in
        self.extra_env = env
        self.dir = Path(tempfile.mkdtemp(prefix="newsdesk-cluster-"))
        self.redis_port = free_port()
        self.ports = [free_port(), free_port()]
        self.web = [f"http://127.0.0.1:{port}" for port in self.ports]
        self.processes: dict[str, subprocess.Popen] = {}
        # Its queue kept across a stop and start (an append-only file), as in production.
        self.redis = RedisServer(self.dir, port=self.redis_port)
        self.redis_url = self.redis.url(0)
        self.seeded: dict = {}

    # Set-up and tear-down ---------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "DJANGO_"))}
        base.pop("DATABASE_URL", None)
        return {
            **base,
            "PATH": f"{Path(sys.executable).parent}:{base.get('PATH', '')}",
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "NEWSDESK_DATABASE_URL": self.database_url,
            "NEWSDESK_REDIS_URL": self.redis_url,
            "NEWSDESK_SECRET_KEY": self.secret_key,
            "NEWSDESK_DATA_DIR": str(self.dir / "seed"),
            "NEWSDESK_LOG_LEVEL": "WARNING",
            "CLUSTER_DIR": str(self.dir),
            "WEB1_PORT": str(self.ports[0]),
            "WEB2_PORT": str(self.ports[1]),
            **self.extra_env,
        }

    def __enter__(self) -> Cluster:
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self) -> None:
        self.redis_start()
        template = migrated_template(self.admin_url, self.env())
        with psycopg.connect(self.admin_url, autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{self.name}" TEMPLATE "{template}"')
        (self.dir / "seed" / "media").mkdir(parents=True)
        seed = subprocess.run(
            [sys.executable, "-m", "newsdesk.site.tests.cluster_seed", str(self.scheduled_in)],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=180,
            cwd=ROOT,
        )
        if seed.returncode:
            raise RuntimeError(
                f"The cluster's database could not be set up:\n{seed.stderr[-3000:]}"
            )
        self.seeded = json.loads(seed.stdout.strip().splitlines()[-1])
        # Static files collected once (by the seed), shared by every process's data folder.
        for name in procfile():
            (self.dir / name).mkdir(exist_ok=True)
            (self.dir / name / "static").symlink_to(self.dir / "seed" / "static")
            # Uploads are on storage every server sees (NFS, an object store): one folder here.
            (self.dir / name / "media").symlink_to(self.dir / "seed" / "media")
        for name in procfile():
            self.start(name)
        deadline = time.monotonic() + 60
        for url in self.web:
            while True:
                try:
                    if requests.get(url + "/healthz", timeout=2).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{url} did not start: {self.logs()}")
                time.sleep(0.2)

    def __exit__(self, *exc) -> None:
        for process in self.processes.values():
            self._stop(process)
        self.redis_stop()
        try:
            with psycopg.connect(self.admin_url, autocommit=True) as db:
                db.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    # Processes ---------------------------------------------------------------------------------

    def start(self, name: str) -> subprocess.Popen:
        command = procfile()[name]
        log = open(self.dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        # `exec`: the process is the command itself, so a signal sent to it reaches it.
        assignments, _, program = command.partition(" newsdesk ")
        process = subprocess.Popen(  # noqa: S603
            ["/bin/sh", "-c", f"export {assignments}; exec newsdesk {program}"],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=ROOT,
        )
        self.processes[name] = process
        return process

    def kill(self, name: str) -> None:
        """SIGKILL, as the kernel's OOM killer or a lost machine would."""
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    @staticmethod
    def _stop(process: subprocess.Popen) -> None:
        if process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
        except ProcessLookupError:
            pass

    def redis_start(self) -> None:
        self.redis.start()

    def redis_stop(self) -> None:
        self.redis.stop()

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-1500:]}" for p in self.dir.glob("*.log")
        )

    # The task queue, from outside -------------------------------------------------------------

    def queue(self) -> ReliablePriorityRedisHuey:
        """The cluster's queue, as its processes see it (settings: huey name "newsdesk")."""
        return ReliablePriorityRedisHuey("newsdesk", url=self.redis_url)

    def in_flight(self) -> list[InFlight]:
        return self.queue().storage.in_flight()

    def task_status(self, result_id: str) -> str | None:
        record = self.queue().get(f"djt.{result_id}", peek=True)
        return record["status"] if record else None

    def enqueue(self, task, **kwargs) -> str:
        """Enqueue `task` into the cluster's queue from this process; its result id."""
        from newsdesk.core.tasks import HUEY

        HUEY.immediate = False
        HUEY.storage = self.queue().storage
        try:
            return task.enqueue(**kwargs).id
        finally:
            HUEY.immediate = True

    # The database, read directly ---------------------------------------------------------------

    def sql(self, query: str, *params):
        with psycopg.connect(self.database_url) as db:
            return db.execute(query, params).fetchall()
