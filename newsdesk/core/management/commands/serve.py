"""Serve the site with gunicorn: the production-grade server, static files through whitenoise.

The gunicorn master also starts one task worker (`newsdesk worker`) once it is ready, restarts
it if it dies, and stops it on exit; web workers never run tasks. `--no-worker` leaves tasks to
separate `newsdesk worker` processes when several app servers share one queue.
"""

import logging
import multiprocessing
import subprocess
import sys
import threading

from django.core.management.base import BaseCommand
from gunicorn.app.base import BaseApplication

logger = logging.getLogger(__name__)


class TaskWorkerSupervisor:
    """Keeps one `newsdesk worker` child process running alongside the server."""

    def __init__(self, command: list[str] | None = None, restart_delay: float = 2.0):
        self.command = command or [sys.executable, "-m", "newsdesk", "worker"]
        self.restart_delay = restart_delay
        self.process: subprocess.Popen | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._supervise, name="task-worker-supervisor", daemon=True
        )
        self._thread.start()

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            self.process = subprocess.Popen(self.command)  # noqa: S603 - our own command
            # Poll rather than wait(): gunicorn's master reaps every child on SIGCHLD, ours too.
            while self.process.poll() is None and not self._stopping.is_set():
                self._stopping.wait(1.0)
            code = self.process.returncode
            if self._stopping.is_set():
                break
            logger.error("The task worker exited with status %s; restarting it.", code)
            self._stopping.wait(self.restart_delay)

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        process = self.process
        if process and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
        if self._thread:
            self._thread.join(timeout)


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

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
        parser.add_argument("--workers", type=int, default=min(4, multiprocessing.cpu_count() * 2))
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not run the task worker here (run `newsdesk worker` elsewhere).",
        )

    def handle(
        self,
        *args,
        host: str,
        port: int,
        workers: int,
        threads: int,
        no_worker: bool,
        verbosity: int = 1,
        **options,
    ):
        # Quiet by default: the server's start-up chatter and the task worker's log of every task
        # only with -v 2 (`make run V=1`); warnings, errors and the access log always.
        loud = verbosity >= 2
        worker_command = [sys.executable, "-m", "newsdesk", "worker", "-v", "1" if loud else "0"]
        supervisor = None if no_worker else TaskWorkerSupervisor(command=worker_command)

        def when_ready(server):
            if verbosity:
                self.stdout.write(
                    f"Serving http://{host}:{port}/ until Ctrl-C; "
                    "more output with -v 2 (make run V=1)."
                )
                self.stdout.flush()
            if supervisor:
                supervisor.start()  # in the master, once: not in each web worker nor at import

        hooks = {"when_ready": when_ready}
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
            }
        ).run()
