"""Comment posting under load: 64 concurrent posters for 60 seconds against `newsdesk serve`.

    .venv/bin/python bench/comments_load.py                 # 64 posters, 60 s, writes BENCHMARKS.md
    .venv/bin/python bench/comments_load.py --posters 8 --seconds 10 --no-write
    .venv/bin/python bench/comments_load.py --in-process 500 [--profile]  # CPU per refresh, post

What `make run` serves by default: gunicorn (`newsdesk serve`, its default workers and threads,
or --workers/--threads), SQLite in a fresh data folder, on a free 127.0.0.1 port. Each poster
behaves like a reader's browser on one keep-alive connection: for every comment it loads the
comment form, as the article page's script does (GET /comments/<id>/form/: CSRF cookie and
token, Security Key, proof-of-work challenge, signed form start), answers the Security Key,
does the proof of work (natively, at a token difficulty: bench/comment_pow.py measures the real
one) and posts the form; only the redirect to the thanks (/comments/<id>/write/?sent=1) counts
as accepted, and every other answer below 500 must show the reader's text again. The bench
reads each Security Key answer by decrypting the token with the site's own key, which it can
only do because it shares the data folder (and so the secret key) with the server: nothing in
the site hands answers out. newsdesk/comments/tests/test_load.py runs the same posters, 16 for
5 seconds, in the suite.

The posters are coroutines on one asyncio loop with a minimal HTTP/1.1 client, not threads with
http.client: the client shares the machine's cores with the server. 64 threads with http.client
cost about 1.1 ms of CPU per comment (and their GIL contention slows their own requests); this
client about 0.4 ms (reported).

Rate limits are raised (and the minimum form time set to 0) through the NEWSDESK_* settings,
since every poster comes from 127.0.0.1. Counters are still counted, in the database.

Reported: comments accepted per second, p50/p99 of the POST, lost (a success answer whose
comment is not stored), stored twice, server errors (5xx) and other refusals; afterwards the
database is read for every marker. Also the server's and the client's CPU per accepted comment
(the server's processes summed from /proc) and the load average before and after, since the
figures depend on what else the machine was doing.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import ROOT, machine, today, write_section  # noqa: E402

TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STARTED_RE = re.compile(r'name="started" value="([^"]+)"')
CAPTCHA_RE = re.compile(r'name="captcha_token" value="([^"]+)"')
POW_RE = re.compile(r'data-pow-challenge="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(data_dir: Path) -> dict:
    env = {
        **os.environ,
        "NEWSDESK_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "NEWSDESK_COMMENTS_RATE_IP": "100000000/600",
        "NEWSDESK_COMMENTS_RATE_EMAIL": "100000000/600",
        "NEWSDESK_CAPTCHA_REFRESH_RATE": "100000000/600",
        "NEWSDESK_COMMENTS_MIN_SECONDS": "0",
        # The proof of work is answered, at a token difficulty: its cost is bench/comment_pow.py's
        # figure, and at the real one the client would measure itself. The flood rates are
        # raised with the limits (every poster is 127.0.0.1), so the difficulty stays normal.
        "NEWSDESK_POW_COST": "10",
        "NEWSDESK_POW_DIFFICULTY": "8",
        "NEWSDESK_POW_FLOOD_RATE_IP": "100000000/600",
        "NEWSDESK_POW_FLOOD_RATE_SITE": "100000000/600",
        # --in-process posts without the proof of work, as a reader without JavaScript.
        "NEWSDESK_COMMENTS_RATE_NOJS_IP": "100000000/600",
        "NEWSDESK_COMMENTS_RATE_NOJS_SITE": "100000000/600",
    }
    for var in (
        "NEWSDESK_DATABASE_URL",
        "DATABASE_URL",
        "NEWSDESK_REDIS_URL",
        "NEWSDESK_DEBUG",
        "NEWSDESK_SECRET_KEY",
    ):
        env.pop(var, None)
    return env


def prepare(env: dict) -> str:
    """Set up the fresh data folder as `make run` does (migrations, static files: the form
    names its scripts), without the demo, and create the story to comment on: one process."""
    script = (
        "from django.core.management import call_command\n"
        "from django.utils import timezone\n"
        "from newsdesk.articles.models import Article\n"
        "call_command('setup', no_demo=True, verbosity=0)\n"
        "a = Article.objects.create(headline='Load test story', body='<p>Body.</p>', "
        "status='published', published_at=timezone.now() - timezone.timedelta(hours=1))\n"
        "print(a.get_absolute_url())\n"
    )
    out = subprocess.run(
        [sys.executable, "-m", "newsdesk", "shell", "-c", script],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"newsdesk serve exited with status {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/captcha/refresh/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("newsdesk serve did not answer within a minute")


def session_cpu_seconds(session: int) -> tuple[float, float]:
    """CPU time (user, system) of every live process in `session`: the gunicorn master, its
    workers and the task worker, which `newsdesk serve` starts in the session the bench made."""
    user = system = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == session:
            user, system = user + int(fields[11]), system + int(fields[12])
    ticks = os.sysconf("SC_CLK_TCK")
    return user / ticks, system / ticks


class Response:
    __slots__ = ("status", "headers", "body")

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k == name), "")


class Connection:
    """One keep-alive HTTP/1.1 connection, as a browser keeps one: a small client on asyncio
    streams, so that 64 posters cost the shared machine little CPU (the server needs it)."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def request(self, method: str, path: str, headers: dict, body: bytes = b"") -> Response:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
        if body:
            head += f"Content-Length: {len(body)}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.writer.write(head.encode() + b"\r\n" + body)
        lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = []
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                fields.append((name.strip().lower(), value.strip()))
        response = Response(status, fields, b"")
        if response.header("transfer-encoding").lower() == "chunked":
            chunks = []
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                chunks.append(await self.reader.readexactly(size + 2))
            await self.reader.readuntil(b"\r\n")
            response.body = b"".join(c[:-2] for c in chunks)
        else:
            response.body = await self.reader.readexactly(int(response.header("content-length")))
        if response.header("connection").lower() == "close":
            self.close()
        return response

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Poster:
    """A reader's browser: loads the article page once (CSRF cookie, signed form start), then over
    and over asks for a new Security Key, answers it and sends the form, until the deadline."""

    def __init__(self, n: int, port: int, article_url: str, news_id: int):
        self.n, self.article_url, self.news_id = n, article_url, news_id
        self.conn = Connection(port)
        self.accepted: list[str] = []
        self.latencies: list[float] = []
        self.refresh_latencies: list[float] = []
        self.statuses: Counter = Counter()
        self.refusals_without_text = 0

    async def run(self, deadline: float) -> None:
        from html import unescape

        from newsdesk.captcha.challenges import challenge_read
        from newsdesk.captcha.pow import pow_solve

        thanked = f"/comments/{self.news_id}/write/?sent="  # 1, or published
        post_url = f"/comments/{self.news_id}/"
        form_url = f"/comments/{self.news_id}/form/"
        cookie = ""
        sequence = 0
        while time.monotonic() < deadline:
            try:
                # A new form for every comment, as form.js fetches it when the reader starts to
                # write (the article page is the same for everyone and carries no token): CSRF
                # cookie and token, Security Key, proof-of-work challenge, signed start.
                t0 = time.perf_counter()
                page = await self.conn.request(
                    "GET", form_url, {"Cookie": cookie} if cookie else {}
                )
                self.refresh_latencies.append(time.perf_counter() - t0)
                if page.status != 200:
                    self.statuses[f"form {page.status}"] += 1
                    continue
                html = page.body.decode()
                given = next(
                    (v for k, v in page.headers if k == "set-cookie" and "csrftoken=" in v), ""
                )
                cookie = given.split(";", 1)[0] if given else cookie
                token = CAPTCHA_RE.search(html).group(1)
                answer = challenge_read(token).answer  # the bench's key, not a site hook
                work = pow_solve(json.loads(unescape(POW_RE.search(html).group(1))))
                sequence += 1
                marker = f"bench-{self.n}-{sequence}-{secrets.token_hex(4)}"
                body = f"Load test comment {marker}: the harbour plan looks sensible."
                form = urlencode(
                    {
                        "csrfmiddlewaretoken": TOKEN_RE.search(html).group(1),
                        "name": f"Poster {self.n}",
                        "email": f"poster{self.n}@example.org",
                        "body": body,
                        "captcha_token": token,
                        "captcha_answer": answer,
                        "pow": work,
                        "started": STARTED_RE.search(html).group(1),
                        "website": "",
                        "parent": "",
                    }
                ).encode()
                t0 = time.perf_counter()
                response = await self.conn.request(
                    "POST",
                    post_url,
                    {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
                    form,
                )
                self.latencies.append(time.perf_counter() - t0)
                # Success is the redirect to the thanks, as a browser would follow.
                if response.status == 303 and response.header("location").startswith(thanked):
                    self.statuses[303] += 1
                    self.accepted.append(marker)
                else:
                    self.statuses[response.status] += 1
                    # A refusal shows the write page again with the reader's text in it.
                    if response.status < 500 and marker.encode() not in response.body:
                        self.refusals_without_text += 1
            except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                self.statuses[f"connection: {type(error).__name__}"] += 1
                self.conn.close()
        self.conn.close()


async def post_until(posters: list[Poster], deadline: float, grace: float) -> None:
    await asyncio.wait_for(
        asyncio.gather(*(p.run(deadline) for p in posters)),
        timeout=deadline - time.monotonic() + grace,
    )


def run(posters: int, seconds: float, serve_args: list[str], *, secret_key: str = "") -> dict:
    """With `secret_key`, the caller has Django set up with that key (the suite's test): the
    server is given it, so that the posters can read the Security Key's answer."""
    data_dir = Path(tempfile.mkdtemp(prefix="newsdesk-comments-load-"))
    env = server_env(data_dir)
    if secret_key:
        env["NEWSDESK_SECRET_KEY"] = secret_key
    article_url = prepare(env)
    news_id = int(article_url.strip("/").split("/")[1])
    if not secret_key:
        os.environ.update({k: v for k, v in env.items() if k.startswith(("NEWSDESK_", "DJANGO_"))})
        import django

        django.setup()
    port = free_port()
    log = open(data_dir / "serve.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "serve", "--port", str(port), *serve_args],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_ready(port, proc)
        clients = [Poster(n, port, article_url, news_id) for n in range(posters)]
        load_before = os.getloadavg()
        server_cpu, client_cpu = session_cpu_seconds(proc.pid), time.process_time()
        started = time.monotonic()
        asyncio.run(post_until(clients, started + seconds, grace=60))
        elapsed = time.monotonic() - started
        server_user, server_system = (
            a - b for a, b in zip(session_cpu_seconds(proc.pid), server_cpu, strict=True)
        )
        client_cpu = time.process_time() - client_cpu
        load_after = os.getloadavg()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()

    db = sqlite3.connect(data_dir / "newsdesk.sqlite3")
    stored = Counter(
        re.search(r"(bench-\d+-\d+-[0-9a-f]+)", body).group(1)
        for (body,) in db.execute(
            "SELECT body FROM comments_comment WHERE body LIKE 'Load test comment %'"
        )
    )
    db.close()
    accepted = [m for p in clients for m in p.accepted]
    answered = set(accepted)
    lost = sum(1 for m in accepted if stored[m] == 0)
    twice = sum(1 for c in stored.values() if c > 1)
    latencies = sorted(x for p in clients for x in p.latencies)
    refreshes = sorted(x for p in clients for x in p.refresh_latencies)
    statuses = sum((p.statuses for p in clients), Counter())
    errors = sum(v for k, v in statuses.items() if status_code(k) >= 500)
    per_comment = 1000 / max(1, len(accepted))
    return {
        "posters": posters,
        "seconds": round(elapsed, 1),
        "accepted": len(accepted),
        "accepted_per_s": round(len(accepted) / elapsed, 1),
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "refresh_p50_ms": percentile(refreshes, 50),
        # Fairness: a server that starves some connections shows a wide spread here.
        "accepted_per_poster_min_median_max": [
            (counts := sorted(len(p.accepted) for p in clients))[0],
            counts[len(counts) // 2],
            counts[-1],
        ],
        "lost": lost,
        "stored_twice": twice,
        "stored_unanswered": sum(1 for m in stored if m not in answered),
        "errors_5xx": errors,
        "refusals_without_text": sum(p.refusals_without_text for p in clients),
        "statuses": {str(k): v for k, v in sorted(statuses.items(), key=str)},
        "server_cpu_ms_per_comment": round((server_user + server_system) * per_comment, 2),
        "server_system_ms_per_comment": round(server_system * per_comment, 2),
        "client_cpu_ms_per_comment": round(client_cpu * per_comment, 2),
        "load_average": [round(x, 2) for x in (*load_before, *load_after)],
        "serve_args": serve_args,
        "data_dir": str(data_dir),
    }


def status_code(key: int | str) -> int:
    """A POST's status (int), a form GET's ("form 500"); 0 for a connection error."""
    if isinstance(key, int):
        return key
    return int(key.removeprefix("form ")) if key.startswith("form ") else 0


def percentile(sorted_values: list[float], p: int) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(len(sorted_values) * p / 100) - 1))
    return round(sorted_values[index] * 1000, 1)


def report(r: dict) -> str:
    serve = " ".join(r["serve_args"]) or "its default workers/threads"
    return f"""## comments_load

Comment posting under load against `newsdesk serve` (gunicorn, {serve},
SQLite WAL with IMMEDIATE transactions, fresh data folder), {r["posters"]} concurrent posters for
{r["seconds"]} s on 127.0.0.1. Each comment: GET the form (new Security Key and proof-of-work
challenge), answer the key, do the work (token difficulty, see `comment_pow` for the real cost),
POST the form (CSRF, signed form start, honeypot, ban check, commenter's history, spam score,
rate-limit counters in the database, single-use Security Key and proof of work, comment, all in
one write transaction). Latency is the POST alone; the form's GET p50 is {r["refresh_p50_ms"]} ms.

| accepted/s | accepted | p50 | p99 | lost | stored twice | 5xx errors | refusals without the text |
|---:|---:|---:|---:|---:|---:|---:|---:|
| {r["accepted_per_s"]} | {r["accepted"]} | {r["p50_ms"]} ms | {r["p99_ms"]} ms \
| {r["lost"]} | {r["stored_twice"]} | {r["errors_5xx"]} | {r["refusals_without_text"]} |

Answers by status: `{json.dumps(r["statuses"])}`. Stored without a success answer reaching the
client (e.g. cut off at the deadline): {r["stored_unanswered"]}.
CPU per accepted comment: server {r["server_cpu_ms_per_comment"]} ms (of which system \
{r["server_system_ms_per_comment"]} ms), load client {r["client_cpu_ms_per_comment"]} ms.
Load average (1, 5, 15 min) before and after: {r["load_average"][:3]}, {r["load_average"][3:]}.
Target: at least 200 accepted comments per second on SQLite.

Machine: {machine()}, shared with other engineers' test runs (see the load average). Date:
{today()}. Command: `.venv/bin/python bench/comments_load.py` (the client shares the 2 cores with
the server).
"""


def in_process(cycles: int, profile: bool) -> dict:
    """CPU of one Security Key refresh and one post through Django itself (no gunicorn, no
    network), as the bench's posters send them: DEBUG off, CSRF checked, only the CSRF cookie."""
    import cProfile
    import pstats

    data_dir = Path(tempfile.mkdtemp(prefix="newsdesk-comments-cpu-"))
    env = server_env(data_dir)
    article_url = prepare(env)
    news_id = int(article_url.strip("/").split("/")[1])
    os.environ.update({k: v for k, v in env.items() if k.startswith(("NEWSDESK_", "DJANGO_"))})
    import django

    django.setup()
    from django.test import Client

    from newsdesk.captcha.challenges import challenge_read

    client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    html = client.get(f"/comments/{news_id}/form/").content.decode()
    csrf, started = TOKEN_RE.search(html).group(1), STARTED_RE.search(html).group(1)
    cookie = client.cookies["csrftoken"].value
    thanked = f"/comments/{news_id}/write/?sent=1"

    def refresh() -> str:
        client.cookies.clear()  # a poster sends its CSRF cookie only, never the messages cookie
        client.cookies["csrftoken"] = cookie
        response = client.get("/captcha/refresh/", HTTP_ACCEPT="application/json")
        assert response.status_code == 200, response.status_code
        return json.loads(response.content)["token"]

    def post(token: str, answer: str, n: int) -> None:
        client.cookies.clear()
        client.cookies["csrftoken"] = cookie
        form = {
            "csrfmiddlewaretoken": csrf,
            "name": "Poster 0",
            "email": "poster0@example.org",
            "body": f"Load test comment bench-0-{n}-{secrets.token_hex(4)}: the harbour plan.",
            "captcha_token": token,
            "captcha_answer": answer,
            "started": started,
            "website": "",
            "parent": "",
        }
        response = client.post(
            f"/comments/{news_id}/",
            urlencode(form),
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 303 and response["Location"] == thanked, response

    for n in range(20):  # warm: connections, caches, imports
        token = refresh()
        post(token, challenge_read(token).answer, n)
    profiler = cProfile.Profile() if profile else None
    refresh_cpu = post_cpu = 0.0
    for n in range(cycles):
        t0 = time.process_time()
        if profiler:
            profiler.enable()
        token = refresh()
        if profiler:
            profiler.disable()
        t1 = time.process_time()
        answer = challenge_read(token).answer
        t2 = time.process_time()
        if profiler:
            profiler.enable()
        post(token, answer, 100 + n)
        if profiler:
            profiler.disable()
        refresh_cpu, post_cpu = refresh_cpu + t1 - t0, post_cpu + time.process_time() - t2
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
    return {
        "cycles": cycles,
        "refresh_cpu_ms": round(refresh_cpu / cycles * 1000, 2),
        "post_cpu_ms": round(post_cpu / cycles * 1000, 2),
        "profiled": profile,
        "data_dir": str(data_dir),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posters", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--workers", type=int, help="passed to `newsdesk serve` (default: its own)")
    parser.add_argument("--threads", type=int, help="passed to `newsdesk serve` (default: its own)")
    parser.add_argument(
        "--in-process",
        type=int,
        metavar="CYCLES",
        help="instead: CPU per refresh and per post through Django in this process",
    )
    parser.add_argument("--profile", action="store_true", help="with --in-process: cProfile")
    args = parser.parse_args()
    if args.in_process:
        print(json.dumps(in_process(args.in_process, args.profile), indent=2))
        return
    serve_args = []
    for option in ("workers", "threads"):
        if getattr(args, option) is not None:
            serve_args += [f"--{option}", str(getattr(args, option))]
    result = run(args.posters, min(args.seconds, 600), serve_args)
    print(json.dumps(result, indent=2))
    if not args.no_write:
        write_section("comments_load", report(result))
        print(f"Wrote the comments_load section of {ROOT / 'BENCHMARKS.md'}")


if __name__ == "__main__":
    main()
