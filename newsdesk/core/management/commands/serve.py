"""Serve the site with gunicorn: the production-grade server, static files through whitenoise.

The gunicorn master also starts one task worker (`newsdesk worker`) once it is ready, restarts
it if it dies, and stops it on exit; web workers never run tasks. `--no-worker` leaves tasks to
separate `newsdesk worker` processes when several app servers share one queue.

Every start of the task worker happens in the master's main thread, the one that forks the web
workers: first when gunicorn is ready (before any web worker forks), then from the master's own
loop. Started from a thread of its own, subprocess.Popen could wait for good on its exec-error
pipe, whose write end a web worker forked at that moment kept open (issue 12, finding 2). The
worker dies with the master (`newsdesk worker --parent`, core/lifeline.py).
"""

import gc
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

from newsdesk.core.memory import malloc_arenas_limit
from newsdesk.core.metrics import multiprocess_dir_prepare as metrics_dir_prepare

logger = logging.getLogger(__name__)


class TaskWorkerSupervisor:
    """Keeps one `newsdesk worker` child process running alongside the server. Not a thread:
    `start()` and `check()` are called by the gunicorn master between its own forks."""

    def __init__(
        self, command: list[str] | None = None, restart_delay: float = 2.0, clock=time.monotonic
    ):
        self.command = command or [sys.executable, "-m", "newsdesk", "worker"]
        self.restart_delay = restart_delay
        self.clock = clock
        self.process: subprocess.Popen | None = None
        self.restarts = 0
        self._restart_at: float | None = None
        self._stopped = False

    def start(self) -> None:
        # close_fds (the default, said here because it matters): the worker holds none of the
        # master's descriptors, its listening socket included. --parent: it dies with us.
        self.process = subprocess.Popen(  # noqa: S603 - our own command
            [*self.command, "--parent", str(os.getpid())],
            close_fds=True,
            stdin=subprocess.DEVNULL,
        )

    def check(self) -> None:
        """Restart the worker `restart_delay` seconds after it is found dead. The master calls
        this about once a second; it never blocks."""
        if self._stopped or self.process is None or self.process.poll() is None:
            return
        now = self.clock()
        if self._restart_at is None:
            logger.error(
                "The task worker exited with status %s; restarting it in %s s.",
                self.process.returncode,
                self.restart_delay,
            )
            self._restart_at = now + self.restart_delay
        if now >= self._restart_at:
            self._restart_at = None
            self.restarts += 1
            self.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopped = True
        process = self.process
        # poll() rather than wait() alone: gunicorn's master reaps every child on SIGCHLD, ours too.
        if process and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()


class _Arbiter(Arbiter):
    """gunicorn's master, looking after the task worker on each turn of its loop."""

    supervisor: TaskWorkerSupervisor | None = None

    def manage_workers(self):
        super().manage_workers()
        if self.supervisor:
            self.supervisor.check()


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict, supervisor: TaskWorkerSupervisor | None = None):
        self.options = options
        self.supervisor = supervisor
        super().__init__()

    def run(self):
        arbiter = _Arbiter(self)
        arbiter.supervisor = self.supervisor
        try:
            arbiter.run()
        except RuntimeError as error:
            sys.exit(f"\nError: {error}\n")

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from config.wsgi import application

        return application


class Command(BaseCommand):
    help = "Serve Newsdesk with gunicorn on 127.0.0.1 (--port), with the embedded task worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            default=settings.NEWSDESK_WEB_WORKERS,
            help="Web worker processes (NEWSDESK_WEB_WORKERS; default %(default)s, one per core).",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=settings.NEWSDESK_WEB_THREADS,
            help="Request threads in each (NEWSDESK_WEB_THREADS; default %(default)s).",
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not run the task worker here (run `newsdesk worker` elsewhere).",
        )
        parser.add_argument(
            "--worker-restart-delay",
            type=float,
            default=2.0,
            help="Seconds before a task worker that died is started again (default %(default)s).",
        )

    def handle(
        self,
        *args,
        host: str,
        port: int,
        workers: int,
        threads: int,
        no_worker: bool,
        worker_restart_delay: float = 2.0,
        verbosity: int = 1,
        **options,
    ):
        # Before any thread or fork: the web workers inherit the bound (core/memory.py).
        malloc_arenas_limit(settings.NEWSDESK_MALLOC_ARENA_MAX)
        # Every web worker counts its requests into files here: /metrics reports the server.
        metrics_dir_prepare(Path(settings.DATA_DIR) / "metrics" / str(port))
        # Quiet by default: the server's start-up chatter and the task worker's log of every task
        # only with -v 2 (`make run V=1`); warnings, errors and the access log always.
        loud = verbosity >= 2
        worker_command = [sys.executable, "-m", "newsdesk", "worker", "-v", "1" if loud else "0"]
        supervisor = (
            None
            if no_worker
            else TaskWorkerSupervisor(command=worker_command, restart_delay=worker_restart_delay)
        )

        def when_ready(server):
            if verbosity:
                self.stdout.write(
                    f"Serving http://{host}:{port}/ until Ctrl-C; "
                    "more output with -v 2 (make run V=1)."
                )
                self.stdout.flush()
            if supervisor:
                supervisor.start()  # in the master, before the web workers fork

        def post_worker_init(worker):
            # What loading the application made lives as long as the web worker: the garbage
            # collector need not walk it again on every full collection.
            gc.freeze()

        hooks = {"when_ready": when_ready, "post_worker_init": post_worker_init}
        if supervisor:
            hooks["on_exit"] = lambda server: supervisor.stop()
        _Gunicorn(
            {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "loglevel": "info" if loud else "warning",
                "accesslog": "-",
                # No client addresses in the access log: they are personal data (see docs/privacy).
                "access_log_format": '%(t)s "%(r)s" %(s)s %(b)s %(M)sms',
                "timeout": 60,
                "graceful_timeout": 10,
                **hooks,
            },
            supervisor,
        ).run()
