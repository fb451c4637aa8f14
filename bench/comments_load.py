"""Comment posting under load: 64 concurrent posters for 60 seconds against `newsdesk serve`.

    .venv/bin/python bench/comments_load.py                 # 64 posters, 60 s, writes BENCHMARKS.md
    .venv/bin/python bench/comments_load.py --posters 8 --seconds 10 --no-write

What `make run` serves by default: gunicorn (`newsdesk serve`, its default workers and threads),
SQLite in a fresh data folder, on a free 127.0.0.1 port. Each poster behaves like a reader's
browser: it loads the article page once (CSRF cookie, signed form start), then over and over asks
for a new Security Key (GET /captcha/refresh/, as the page's script does), answers it, and posts
the form. The bench reads each answer by decrypting the token with the site's own key, which it
can only do because it shares the data folder (and so the secret key) with the server: nothing
in the site hands answers out.

Rate limits are raised (and the minimum form time set to 0) through the NEWSDESK_* settings,
since every poster comes from 127.0.0.1. Counters are still counted, in the database.

Reported: comments accepted per second, p50/p99 of the POST, lost (a success answer whose
comment is not stored, or is stored twice), server errors (5xx) and other refusals.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import ROOT, machine, today, write_section  # noqa: E402

TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STARTED_RE = re.compile(r'name="started" value="([^"]+)"')


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
    newsdesk = [sys.executable, "-m", "newsdesk"]
    subprocess.run(
        [*newsdesk, "setup", "--no-demo"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL
    )
    script = (
        "from django.utils import timezone\n"
        "from newsdesk.articles.models import Article\n"
        "a = Article.objects.create(headline='Load test story', body='<p>Body.</p>', "
        "status='published', published_at=timezone.now() - timezone.timedelta(hours=1))\n"
        "print(a.get_absolute_url())\n"
    )
    out = subprocess.run(
        [*newsdesk, "shell", "-c", script],
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


class Poster(threading.Thread):
    def __init__(
        self,
        n: int,
        port: int,
        article_url: str,
        news_id: int,
        deadline: float,
        results: dict,
        lock: threading.Lock,
    ):
        super().__init__(daemon=True)
        self.n, self.port, self.article_url, self.news_id = n, port, article_url, news_id
        self.deadline, self.results, self.lock = deadline, results, lock

    def connect(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def run(self):
        from newsdesk.captcha.challenges import challenge_read

        conn = self.connect()
        conn.request("GET", self.article_url)
        response = conn.getresponse()
        html = response.read().decode()
        cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
        csrf, started = TOKEN_RE.search(html).group(1), STARTED_RE.search(html).group(1)
        accepted, latencies, statuses = [], [], Counter()
        sequence = 0
        while time.monotonic() < self.deadline:
            try:
                conn.request(
                    "GET",
                    "/captcha/refresh/",
                    headers={"Cookie": cookie, "Accept": "application/json"},
                )
                response = conn.getresponse()
                body = response.read()
                if response.status != 200:
                    statuses[f"refresh {response.status}"] += 1
                    continue
                token = json.loads(body)["token"]
                answer = challenge_read(token).answer  # the bench's key, not a site hook
                sequence += 1
                marker = f"bench-{self.n}-{sequence}-{secrets.token_hex(4)}"
                form = urlencode(
                    {
                        "csrfmiddlewaretoken": csrf,
                        "name": f"Poster {self.n}",
                        "email": f"poster{self.n}@example.org",
                        "body": f"Load test comment {marker}: the harbour plan looks sensible.",
                        "captcha_token": token,
                        "captcha_answer": answer,
                        "started": started,
                        "website": "",
                        "parent": "",
                    }
                )
                t0 = time.perf_counter()
                conn.request(
                    "POST",
                    f"/comments/post/{self.news_id}/",
                    body=form,
                    headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
                )
                response = conn.getresponse()
                response.read()
                latencies.append(time.perf_counter() - t0)
                statuses[response.status] += 1
                if response.status == 302:
                    accepted.append(marker)
            except (OSError, http.client.HTTPException) as error:
                statuses[f"connection: {type(error).__name__}"] += 1
                conn.close()
                conn = self.connect()
        with self.lock:
            self.results["accepted"] += accepted
            self.results["latencies"] += latencies
            self.results["statuses"].update(statuses)


def run(posters: int, seconds: float) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix="newsdesk-comments-load-"))
    env = server_env(data_dir)
    article_url = prepare(env)
    news_id = int(article_url.strip("/").split("/")[1])
    os.environ.update({k: v for k, v in env.items() if k.startswith(("NEWSDESK_", "DJANGO_"))})
    import django

    django.setup()
    port = free_port()
    log = open(data_dir / "serve.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_ready(port, proc)
        results = {"accepted": [], "latencies": [], "statuses": Counter()}
        lock = threading.Lock()
        started = time.monotonic()
        deadline = started + seconds
        threads = [
            Poster(n, port, article_url, news_id, deadline, results, lock) for n in range(posters)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=seconds + 60)
        elapsed = time.monotonic() - started
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
    accepted = results["accepted"]
    lost = sum(1 for m in accepted if stored[m] != 1)
    twice = sum(1 for c in stored.values() if c > 1)
    latencies = sorted(results["latencies"])
    statuses = results["statuses"]
    errors = sum(v for k, v in statuses.items() if isinstance(k, int) and k >= 500)
    return {
        "posters": posters,
        "seconds": round(elapsed, 1),
        "accepted": len(accepted),
        "accepted_per_s": round(len(accepted) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1) if latencies else None,
        "lost": lost,
        "stored_twice": twice,
        "stored_unanswered": sum(1 for m in stored if m not in set(accepted)),
        "errors_5xx": errors,
        "statuses": {str(k): v for k, v in sorted(statuses.items(), key=str)},
        "data_dir": str(data_dir),
    }


def report(r: dict) -> str:
    return f"""## comments_load

Comment posting under load against `newsdesk serve` (gunicorn, its default workers/threads,
SQLite WAL with IMMEDIATE transactions, fresh data folder), {r["posters"]} concurrent posters for
{r["seconds"]} s on 127.0.0.1. Each post: GET /captcha/refresh/ for a new Security Key, answer it,
POST the form (CSRF, signed form start, honeypot, rate-limit counters in the database, single-use
challenge, spam score, comment, all in one write transaction). Latency is the POST alone.

| accepted/s | accepted | p50 | p99 | lost | stored twice | 5xx errors |
|---:|---:|---:|---:|---:|---:|---:|
| {r["accepted_per_s"]} | {r["accepted"]} | {r["p50_ms"]} ms | {r["p99_ms"]} ms \
| {r["lost"]} | {r["stored_twice"]} | {r["errors_5xx"]} |

Answers by status: `{json.dumps(r["statuses"])}`. Stored without a success answer reaching the
client (e.g. cut off at the deadline): {r["stored_unanswered"]}.
Target: at least 200 accepted comments per second on SQLite.

Machine: {machine()}. Date: {today()}.
Command: `.venv/bin/python bench/comments_load.py` (the client shares the 2 cores with the server).
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posters", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    result = run(args.posters, min(args.seconds, 600))
    print(json.dumps(result, indent=2))
    if not args.no_write:
        write_section("comments_load", report(result))
        print(f"Wrote the comments_load section of {ROOT / 'BENCHMARKS.md'}")


if __name__ == "__main__":
    main()
