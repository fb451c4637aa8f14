"""A real edge cache, and a real origin, for tests: varnishd with the shipped VCL on loopback.

    from newsdesk.core.tests.varnish import run_app_server, run_varnish

    @pytest.mark.edge
    def test_home_page_is_kept_at_the_edge():
        with run_app_server() as origin, run_varnish(backend_port=origin.port) as edge:
            edge.get("/")
            assert edge.get("/").headers["X-Cache"] == "HIT"

`run_varnish` starts `varnishd` (VARNISHD_ARGS, the command line docs/operations.md gives) in
its own working folder on a free 127.0.0.1 port, with deploy/varnish/newsdesk.vcl pointed at
the given backend port, and skips the test, saying what is missing, where varnishd or the xkey
vmod is not installed (`missing()`; `python -m newsdesk.core.tests.varnish` prints it too).

Origins, from the most to the least real:
- `run_app_server()`: `newsdesk serve --no-worker` (gunicorn, config.wsgi with the origin's page
  cache) in a subprocess with its own data folder, migrated and with its static files
  collected. Black-box: change its content with `origin.manage(...)`, which runs a command
  with its settings.
- `VarnishLiveServerTestCase`: the same WSGI application (config.wsgi: the page cache around
  Django) served from a thread of the test process, with a Varnish in front and
  NEWSDESK_PURGE_URLS pointing at it. The test's own writes go through the services, whose
  purges run on commit (tasks run at once in tests) and reach this Varnish: the way to show
  that a change is visible at the edge at the next request.
- `run_wsgi(app)`: any small WSGI app in a thread, for a backend with headers chosen by the test.
"""

from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import requests
from django.conf import settings
from django.test import LiveServerTestCase, override_settings

ROOT = Path(__file__).resolve().parents[3]
SHIPPED_VCL = ROOT / "deploy" / "varnish" / "newsdesk.vcl"
# Besides -a, -f and -n: what docs/operations.md tells operators to run. Long Surrogate-Key
# headers (a list page names every story it shows) need more than the default 8 KB a header.
VARNISHD_ARGS = (
    "-s",
    "malloc,64m",
    "-p",
    "http_resp_hdr_len=32k",
    "-p",
    "http_resp_size=64k",
)
TIMEOUT = 10.0


def varnishd_path() -> str | None:
    # Debian puts it in /usr/sbin, which is not on every user's PATH.
    return shutil.which("varnishd") or shutil.which("varnishd", path="/usr/sbin:/usr/local/sbin")


@functools.cache
def missing() -> str | None:
    """Why a real Varnish cannot run here (what to install), or None when it can."""
    varnishd = varnishd_path()
    if not varnishd:
        return (
            "varnishd is not installed: install the Debian packages varnish and varnish-modules "
            "(listed in .ci/debian-packages)"
        )
    with tempfile.TemporaryDirectory(prefix="newsdesk-vcc-") as folder:
        Path(folder).chmod(0o755)  # varnishd reads the VCL after dropping root
        vcl = Path(folder) / "probe.vcl"
        vcl.write_text('vcl 4.1;\nimport xkey;\nbackend default { .host = "127.0.0.1"; }\n')
        # -C only compiles the VCL, which finds (or not) the vmod; nothing is started.
        done = subprocess.run(
            [varnishd, "-C", "-n", str(Path(folder) / "work"), "-f", str(vcl)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    if done.returncode != 0:
        if "xkey" in done.stderr:
            return (
                "the xkey vmod is missing: install the Debian package varnish-modules "
                "(listed in .ci/debian-packages)"
            )
        return f"varnishd cannot compile a VCL here: {done.stderr.strip()[-300:]}"
    return None


def report_header() -> str:
    """One line for the test run's header: whether the edge tests run, or what they lack."""
    reason = missing()
    if reason:
        return f"edge tests (pytest -m edge): skipped, {reason}"
    return f"edge tests (pytest -m edge): real Varnish at {varnishd_path()} with the xkey vmod"


def require_varnish() -> None:
    reason = missing()
    if reason:
        pytest.skip(f"No real Varnish for this test: {reason}.")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


_BACKEND = re.compile(r"(backend default \{.*?\.host = )\"[^\"]*\";(.*?\.port = )\"[^\"]*\";", re.S)


def vcl_for(*, backend_port: int, backend_host: str = "127.0.0.1", vcl: Path = SHIPPED_VCL) -> str:
    """The VCL with its backend pointed at `backend_host:backend_port`."""
    text, count = _BACKEND.subn(
        rf'\g<1>"{backend_host}";\g<2>"{backend_port}";', vcl.read_text(), count=1
    )
    if count != 1:
        raise AssertionError(f"{vcl} has no `backend default` with .host and .port to fill in")
    return text


class _Loopback:
    """Requests to a server on 127.0.0.1:`port`; redirects are answers, not followed."""

    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(
        self, method: str, path: str, *, timeout: float = TIMEOUT, **kwargs
    ) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        return requests.request(method, self.url + path, timeout=timeout, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)


@dataclass
class Varnish(_Loopback):
    port: int
    workdir: Path
    process: subprocess.Popen
    log: Path


def _stop(process: subprocess.Popen, timeout: float) -> None:
    """SIGTERM, then SIGKILL to the process group it leads (started with a session of its own)."""
    if process.poll() is None:
        process.terminate()
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # children left behind, if any
    if process.poll() is None:
        process.wait(timeout)


def _tail(path: Path, chars: int = 2000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


@contextmanager
def run_varnish(
    *,
    backend_port: int,
    backend_host: str = "127.0.0.1",
    vcl: Path = SHIPPED_VCL,
    startup_timeout: float = 30.0,
    stop_timeout: float = 10.0,
) -> Iterator[Varnish]:
    """A varnishd in front of `backend_host:backend_port` until the block ends (skips the test
    where Varnish or the xkey vmod is missing)."""
    require_varnish()
    folder = Path(tempfile.mkdtemp(prefix="newsdesk-varnish-"))
    # varnishd drops root for its compiler and child: they must read what is here.
    folder.chmod(0o755)
    try:
        vcl_file = folder / "newsdesk.vcl"
        vcl_file.write_text(vcl_for(backend_port=backend_port, backend_host=backend_host, vcl=vcl))
        vcl_file.chmod(0o644)
        port = free_port()
        log = folder / "varnishd.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    varnishd_path(),
                    "-F",
                    "-n",
                    str(folder / "work"),
                    "-a",
                    f"127.0.0.1:{port}",
                    "-T",
                    "none",
                    "-f",
                    str(vcl_file),
                    *VARNISHD_ARGS,
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        varnish = Varnish(port=port, workdir=folder / "work", process=process, log=log)
        try:
            _wait_until_varnish_answers(varnish, startup_timeout)
            yield varnish
        finally:
            _stop(process, stop_timeout)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _wait_until_varnish_answers(varnish: Varnish, timeout: float) -> None:
    # A PURGE without keys is answered by the VCL itself (400), without the backend: once it
    # comes, the child runs our VCL.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if varnish.process.poll() is not None:
            raise RuntimeError(f"varnishd exited at start:\n{_tail(varnish.log)}")
        try:
            if varnish.request("PURGE", "/", timeout=1).status_code == 400:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"varnishd did not answer within {timeout:.0f} s:\n{_tail(varnish.log)}")


# -- Origins ------------------------------------------------------------------------------------


@dataclass
class AppServer(_Loopback):
    port: int
    data_dir: Path
    env: dict[str, str]
    process: subprocess.Popen
    log: Path

    def manage(self, *args: str, timeout: float = 120.0) -> str:
        """Run `newsdesk <args>` with this server's settings and data; its output."""
        return _manage(args, self.env, timeout=timeout)


# Settings that would point a server started by a test at shared services (the PostgreSQL
# database of the test run, its Redis): it gets its own SQLite data folder instead.
_SHARED = (
    "DJANGO_SETTINGS_MODULE",
    "NEWSDESK_DATABASE_URL",
    "DATABASE_URL",
    "NEWSDESK_TEST_DB_NAME",
    "NEWSDESK_REDIS_URL",
    "NEWSDESK_PURGE_URLS",
)


def _manage(args: Sequence[str], env: dict[str, str], *, timeout: float) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "newsdesk", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"newsdesk {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def _server_env(data_dir: Path, port: int, extra: dict[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SHARED}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "NEWSDESK_DATA_DIR": str(data_dir),
            "NEWSDESK_SITE_URL": f"http://127.0.0.1:{port}",
            "NEWSDESK_LOG_LEVEL": "WARNING",
        }
    )
    env.update(extra or {})
    return env


_template_lock = threading.Lock()


@functools.cache
def _prepared_data_dir() -> Path:
    """One data folder migrated and with its static files, made once and copied per server."""
    folder = Path(tempfile.mkdtemp(prefix="newsdesk-origin-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    env = _server_env(folder, 0, None)
    _manage(["migrate", "--noinput", "--verbosity", "0"], env, timeout=300)
    _manage(["collectstatic", "--noinput", "--verbosity", "0"], env, timeout=300)
    return folder


@contextmanager
def run_app_server(
    *,
    commands: Iterable[Sequence[str]] = (),
    env: dict[str, str] | None = None,
    workers: int = 2,
    startup_timeout: float = 60.0,
    stop_timeout: float = 15.0,
) -> Iterator[AppServer]:
    """`newsdesk serve --no-worker` on a free port with a data folder of its own (migrated,
    static files collected, then `commands` run, e.g. `[("demo",)]`), until the block ends.
    `env` adds settings (NEWSDESK_* variables). Tasks are left in its queue (no worker)."""
    folder = Path(tempfile.mkdtemp(prefix="newsdesk-origin-"))
    try:
        with _template_lock:
            template = _prepared_data_dir()
        data_dir = folder / "var"
        shutil.copytree(template, data_dir)
        port = free_port()
        server_env = _server_env(data_dir, port, env)
        for command in commands:
            _manage(command, server_env, timeout=300)
        log = folder / "serve.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "newsdesk",
                    "serve",
                    "--no-worker",
                    "--port",
                    str(port),
                    "--workers",
                    str(workers),
                ],
                env=server_env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        server = AppServer(port=port, data_dir=data_dir, env=server_env, process=process, log=log)
        try:
            _wait_until_served(server, startup_timeout)
            yield server
        finally:
            _stop(process, stop_timeout)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _wait_until_served(server: AppServer, timeout: float) -> None:
    # The admin's login page: never cached, and answered only once Django and its database are.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"newsdesk serve exited at start:\n{_tail(server.log)}")
        try:
            if server.get("/admin/login/", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"newsdesk serve did not answer in {timeout:.0f} s:\n{_tail(server.log)}")


def _production_application(app):
    # Django's live server would serve a bare WSGIHandler (`app`); serve what gunicorn serves.
    from config.wsgi import application

    return application


class VarnishLiveServerTestCase(LiveServerTestCase):
    """The site's own WSGI application (config.wsgi) served from a thread of the test process,
    a real Varnish in front of it (`cls.varnish`), and NEWSDESK_PURGE_URLS set to that Varnish:
    what the test changes through the services is purged at the edge on commit.

        class ArticleEdgeTests(VarnishLiveServerTestCase):
            def test_unpublished_story_is_gone_from_the_edge(self):
                ...
                self.assertEqual(self.varnish.get(path).headers["X-Cache"], "HIT")
                article_unpublish(article=article, by=editor)
                self.assertEqual(self.varnish.get(path).status_code, 404)
    """

    host = "127.0.0.1"
    static_handler = staticmethod(_production_application)
    varnish: Varnish

    @classmethod
    def setUpClass(cls):
        require_varnish()  # before the server thread starts: a skip leaves nothing running
        settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns without it
        super().setUpClass()
        cls.varnish = cls.enterClassContext(run_varnish(backend_port=cls.server_thread.port))
        cls.enterClassContext(override_settings(NEWSDESK_PURGE_URLS=[cls.varnish.url]))


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the signature of the base class
        pass


@dataclass
class WSGIBackend(_Loopback):
    port: int
    received: list[dict] = field(default_factory=list)  # each request's WSGI environ, in order

    def seen(self, path: str) -> int:
        """How many requests for `path` reached this backend."""
        return sum(1 for environ in self.received if environ.get("PATH_INFO") == path)


@contextmanager
def run_wsgi(app: Callable) -> Iterator[WSGIBackend]:
    """`app` served on a free 127.0.0.1 port from a thread (threads per request), recording
    every request that reaches it."""
    backend = WSGIBackend(port=0)

    def recording(environ, start_response):
        backend.received.append(dict(environ))
        return app(environ, start_response)

    server = make_server(
        "127.0.0.1", 0, recording, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    backend.port = server.server_address[1]
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="wsgi", daemon=True
    )
    thread.start()
    try:
        yield backend
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)


if __name__ == "__main__":
    print(report_header())
