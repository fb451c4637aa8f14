"""Shared by the serving benchmarks: servers started on loopback, wrk runs, and their clean-up.

Every process is started in a session of its own and stopped by its own process group, so a
benchmark leaves nothing running behind it, even when it fails half-way (use `Stack` as a
context manager). Everything binds 127.0.0.1 on a free port.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _archive import env as archive_env

ROOT = Path(__file__).resolve().parent.parent
# Other work on the machine is not ours to stop: the measured processes (servers, Varnish,
# wrk) run ahead of it instead, where we may raise their priority (root), else as they are.
PRIORITY = ["nice", "-n", "-10"] if os.geteuid() == 0 else []

# wrk prints its summary as one JSON line (done() runs once, in the main Lua state).
WRK_LUA = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, '
    .. '"write": %d, "timeout": %d, "non2xx": %d, "p50": %d, "p90": %d, "p99": %d, '
    .. '"max": %d, "mean": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.timeout, e.status, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean))
end
"""


TICKS = os.sysconf("SC_CLK_TCK")


def group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) used so far by the live processes of a process group."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def scratch_archive(data_dir: Path, target: Path) -> float:
    """A copy of an archive's data folder (bench/_archive.py) to run a server on, migrated to
    the code as it is now: the kept archive is never written to, and one built before a new
    migration still serves. Returns the seconds it took."""
    started = time.perf_counter()
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    source = sqlite3.connect(data_dir / "newsdesk.sqlite3")
    copy = sqlite3.connect(target / "newsdesk.sqlite3")
    with copy:
        source.backup(copy)  # consistent, even while another process reads the archive
    source.close()
    copy.close()
    shutil.copy2(data_dir / "secret_key", target / "secret_key")
    shutil.copytree(data_dir / "static", target / "static")
    subprocess.run(
        [sys.executable, "-m", "newsdesk", "migrate", "-v0"],
        env=archive_env(target),
        cwd=ROOT,
        check=True,
    )
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def get(port: int, path: str, headers: dict | None = None, timeout: float = 10.0):
    """(status, headers as a lower-case dict, body) of one GET on 127.0.0.1:port."""
    return request(port, "GET", path, headers=headers, timeout=timeout)


def request(port: int, method: str, path: str, headers: dict | None = None, timeout=10.0):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


def wait_http(port: int, path: str = "/", timeout: float = 60.0, proc=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {proc.returncode}")
        try:
            get(port, path, timeout=5)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answered on 127.0.0.1:{port}{path} within {timeout} s")


def wrk(
    url: str,
    *,
    seconds: int,
    connections: int,
    threads: int = 1,
    cpus: str | None = None,
    headers: dict | None = None,
) -> dict:
    """One wrk run (bounded by `seconds`); its summary, with requests/s and latencies in ms."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_LUA)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "-s",
        script.name,
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    if cpus:
        command = ["taskset", "-c", cpus, *command]
    command = [*PRIORITY, *command]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 30, check=True
        )
    finally:
        os.unlink(script.name)
    line = next(x for x in done.stdout.splitlines() if x.startswith("WRKJSON "))
    result = json.loads(line.removeprefix("WRKJSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    for name in ("p50", "p90", "p99", "max", "mean"):
        result[name] = result[name] / 1000  # microseconds -> ms
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "timeout"))
    result["bytes_per_response"] = result["bytes"] / max(1, result["requests"])
    return result


class Stack:
    """The processes of one benchmark run; `with Stack() as stack:` stops them all at the end."""

    def __init__(self):
        self.procs: list[tuple[str, subprocess.Popen]] = []
        self.tmp = Path(tempfile.mkdtemp(prefix="newsdesk-bench-"))

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(
        self, name: str, command: list[str], *, env: dict | None = None, cpus: str | None = None
    ) -> subprocess.Popen:
        if cpus:
            command = ["taskset", "-c", cpus, *command]
        command = [*PRIORITY, *command]
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env or os.environ.copy(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append((name, proc))
        return proc

    def log(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self, proc: subprocess.Popen, timeout: float = 15.0) -> None:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                return
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout)
        else:
            # The leader is gone; children it left in its group go too.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)

    def close(self) -> None:
        for _, proc in reversed(self.procs):
            self.stop(proc)
        self.procs.clear()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # The servers ------------------------------------------------------------------------------

    def newsdesk_serve(
        self,
        data_dir: Path,
        *,
        workers: int,
        task_worker: bool = False,
        extra_env: dict | None = None,
        cpus: str | None = None,
        name: str = "newsdesk",
        port: int | None = None,
        verbosity: int = 1,
    ) -> int:
        """`newsdesk serve` on `port` (a free one by default), answering; its port. With
        verbosity 2 the task worker logs every task it runs."""
        port = port or free_port()
        command = [sys.executable, "-m", "newsdesk", "serve", "--port", str(port)]
        command += ["-v", str(verbosity)]
        command += ["--workers", str(workers)]
        if not task_worker:
            command.append("--no-worker")
        env = {**archive_env(data_dir), **(extra_env or {})}
        proc = self.start(name, command, env=env, cpus=cpus)
        wait_http(port, "/", proc=proc)
        return port

    def hello_serve(
        self,
        data_dir: Path,
        *,
        workers: int,
        bodies: dict[str, int],
        headers: dict[str, list] | None = None,
        cpus: str | None = None,
        name: str = "hello",
    ) -> int:
        """The bare WSGI hello-world (bench/_hello.py) under `newsdesk serve`'s own gunicorn
        settings; `bodies` maps a path to the size of the body it answers, `headers` (optional)
        to the exact headers it answers with."""
        port = free_port()
        command = [sys.executable, str(ROOT / "bench" / "_hello.py"), "--port", str(port)]
        command += ["--workers", str(workers), "--bodies", json.dumps(bodies)]
        if headers:
            command += ["--headers", json.dumps(headers)]
        proc = self.start(name, command, env=archive_env(data_dir), cpus=cpus)
        wait_http(port, next(iter(bodies)), proc=proc)
        return port

    def varnish(
        self, *, backend_port: int, extra_vcl: str = "", memory: str = "1g", cpus: str | None = None
    ) -> tuple[int, Path]:
        """varnishd with deploy/varnish/newsdesk.vcl pointed at `backend_port` (the test
        harness's `vcl_for`), `extra_vcl` put after its backends, and the command line
        docs/operations.md gives (-s malloc,1g and the longer header limits): (port, workdir)."""
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        from newsdesk.core.tests.varnish import VARNISHD_ARGS, missing, varnishd_path, vcl_for

        reason = missing()
        if reason:
            raise SystemExit(f"No Varnish to measure: {reason}.")
        vcl = vcl_for(backend_port=backend_port)
        if extra_vcl:
            # Subroutines defined twice run in order of appearance: ours before the shipped.
            head, sep, tail = vcl.partition("\nacl purgers")
            vcl = head + "\n" + extra_vcl + "\n" + sep + tail
        port = free_port()
        workdir = self.tmp / "varnish"
        os.chmod(self.tmp, 0o755)  # varnishd reads the VCL after dropping root
        vcl_path = self.tmp / "bench.vcl"
        vcl_path.write_text(vcl)
        os.chmod(vcl_path, 0o644)
        args = list(VARNISHD_ARGS)
        args[args.index("-s") + 1] = f"malloc,{memory}"
        command = [varnishd_path(), "-F", "-n", str(workdir), "-a", f"127.0.0.1:{port}"]
        command += ["-T", f"127.0.0.1:{free_port()}", "-f", str(vcl_path), *args]
        proc = self.start("varnish", command, cpus=cpus)
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError("varnishd exited:\n" + self.log("varnish"))
            try:
                # A PURGE without keys is answered by the VCL itself: the child runs it.
                if request(port, "PURGE", "/", timeout=1)[0] == 400:
                    break
            except OSError as error:
                if time.monotonic() > deadline:
                    message = "varnishd did not answer:\n" + self.log("varnish")
                    raise RuntimeError(message) from error
            time.sleep(0.1)
        return port, workdir

    def nginx_static(self, files: dict[str, bytes], *, headers: dict[str, str]) -> int:
        """nginx serving `files` (URL path -> bytes) from a folder, with `headers` added."""
        port = free_port()
        root = self.tmp / "nginx-root"
        for path, content in files.items():
            target = root / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        prefix = self.tmp / "nginx"
        prefix.mkdir()
        added = "\n".join(f'            add_header {k} "{v}";' for k, v in headers.items())
        conf = prefix / "nginx.conf"
        conf.write_text(
            f"""
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    default_type text/html;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            root {root};
{added}
        }}
    }}
}}
"""
        )
        command = ["nginx", "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"]
        proc = self.start("nginx", command)
        wait_http(port, next(iter(files)), proc=proc)
        return port


def varnishstat(workdir: Path) -> dict[str, int]:
    """The MAIN counters of the varnishd in `workdir`."""
    done = subprocess.run(
        ["varnishstat", "-n", str(workdir), "-1", "-j"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    data = json.loads(done.stdout)
    counters = data.get("counters", data)
    return {
        name.removeprefix("MAIN."): value["value"]
        for name, value in counters.items()
        if name.startswith("MAIN.") and isinstance(value, dict) and "value" in value
    }
