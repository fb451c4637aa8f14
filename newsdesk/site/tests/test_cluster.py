"""The cluster of deploy/cluster/Procfile on loopback (issue 17): two app servers
(`newsdesk serve --no-worker`) and two task workers on PostgreSQL and a Redis of its own.

Run by `make test` in its PostgreSQL run where redis-server is installed (marker `cluster`),
skipped with the reason otherwise. The cluster's database is cloned from a template migrated
once per set of migrations (cluster.py); starting four processes takes most of the time.
"""

import os
import re
import shutil
import time

import pytest
import requests
from django.conf import settings
from django.db import connection

from newsdesk.comments.tests.factories import solved

from .cluster import Cluster, postgres_answers
from .cluster_tasks import cluster_slow

pytestmark = pytest.mark.cluster

POSTGRES = os.environ.get(
    "NEWSDESK_CLUSTER_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres"
)
SCHEDULED_IN = 45  # seconds from seeding to the scheduled story's time: after every start
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
READER = "198.51.100.23"  # every reader post comes from here (X-Forwarded-For, one proxy)


def _why_not() -> str | None:
    if connection.vendor != "postgresql":
        return "it runs once, in the PostgreSQL run (make test-postgres)"
    if not shutil.which("redis-server"):
        return "redis-server is not installed (apt-get install redis-server)"
    return postgres_answers(POSTGRES)


@pytest.fixture(scope="module")
def cluster():
    if reason := _why_not():
        pytest.skip(f"cluster test skipped: {reason}")
    env = {
        # Readers' addresses come from the proxy in front (here: the test's header).
        "NEWSDESK_TRUSTED_PROXIES": "1",
        "NEWSDESK_COMMENTS_MIN_SECONDS": "0",
        # Four comments per address in ten minutes, whichever server takes them.
        "NEWSDESK_COMMENTS_RATE_NOJS_IP": "4/600",
        "NEWSDESK_COMMENTS_RATE_IP": "4/600",
        "NEWSDESK_COMMENTS_RATE_NOJS_SITE": "1000/600",
        "NEWSDESK_MODERATION_NOTIFY_INTERVAL": "0",
        # A killed worker's tasks are taken back this soon (core/queue.py; 30 s by default).
        "NEWSDESK_TASK_ALIVE_SECONDS": "5",
    }
    with Cluster(
        postgres_url=POSTGRES, secret_key=settings.SECRET_KEY, scheduled_in=SCHEDULED_IN, env=env
    ) as running:
        yield running


def wait_for(check, *, seconds: float = 15.0, what: str = ""):
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds:g} s: {what}")
        time.sleep(0.2)


def page(base: str, news_id: int) -> requests.Response:
    return requests.get(f"{base}/news/{news_id}/", timeout=10)


def signed_in(base: str) -> requests.Session:
    session = requests.Session()
    form = session.get(f"{base}/admin/login/", timeout=10).text
    done = session.post(
        f"{base}/admin/login/?next=/admin/",
        data={
            "username": "chief",
            "password": "cluster-pass",
            "csrfmiddlewaretoken": CSRF_RE.search(form).group(1),
            "next": "/admin/",
        },
        timeout=10,
    )
    assert "sessionid" in session.cookies, done.text[:500]
    return session


def admin_action(session: requests.Session, base: str, changelist: str, action: str, pk: int):
    form = session.get(f"{base}{changelist}", timeout=10).text
    response = session.post(
        f"{base}{changelist}",
        data={
            "action": action,
            "_selected_action": [pk],
            "csrfmiddlewaretoken": CSRF_RE.search(form).group(1),
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text[:500]


def comment_post(base: str, news_id: int, body: str, address: str = READER) -> requests.Response:
    reader = requests.Session()
    write = reader.get(f"{base}/comments/{news_id}/write/", timeout=10)
    assert write.status_code == 200, write.text[:300]
    data = solved(write.text, body=body, email=f"{abs(hash(body))}@example.org")
    data["csrfmiddlewaretoken"] = CSRF_RE.search(write.text).group(1)
    return reader.post(
        f"{base}/comments/{news_id}/",
        data=data,
        headers={"X-Forwarded-For": address},
        allow_redirects=False,
        timeout=10,
    )


def test_a_story_published_on_one_server_is_seen_on_every_server(cluster):
    news_id, pk = cluster.seeded["draft"]["news_id"], cluster.seeded["draft"]["pk"]
    for base in cluster.web:  # each keeps the 404 in the shared page cache
        assert page(base, news_id).status_code == 404
    admin_action(
        signed_in(cluster.web[0]), cluster.web[0], "/admin/articles/article/", "publish_now", pk
    )
    for base in cluster.web:
        wait_for(
            lambda base=base: page(base, news_id).status_code == 200,
            what=f"the published story on {base}",
        )


def test_a_comment_posted_on_one_server_and_approved_on_another_is_shown(cluster):
    news_id = cluster.seeded["draft"]["news_id"]
    wait_for(lambda: page(cluster.web[0], news_id).status_code == 200, what="the story")
    posted = comment_post(cluster.web[0], news_id, "Seen from both servers, approved on the other.")
    assert posted.status_code == 303, posted.text[:500]
    [(comment_id,)] = cluster.sql(
        "SELECT id FROM comments_comment WHERE body LIKE %s", "Seen from both servers%"
    )
    admin_action(
        signed_in(cluster.web[1]), cluster.web[1], "/admin/comments/comment/", "approve", comment_id
    )
    for base in cluster.web:
        wait_for(
            lambda base=base: "Seen from both servers" in page(base, news_id).text,
            what=f"the approved comment on {base}",
        )


def test_rate_limits_hold_across_servers(cluster):
    news_id = cluster.seeded["draft"]["news_id"]
    wait_for(lambda: page(cluster.web[0], news_id).status_code == 200, what="the story")
    taken = cluster.sql("SELECT count(*) FROM comments_comment")[0][0]  # from this reader
    answers = [
        comment_post(cluster.web[n % 2], news_id, f"Comment number {n} of the rate test.")
        for n in range(6 - taken)
    ]
    statuses = [answer.status_code for answer in answers]
    # Four a reader in all: what one server took counts on the other.
    assert statuses == [303] * (4 - taken) + [429, 429], statuses


def test_a_worker_killed_with_sigkill_loses_no_task_and_another_worker_runs_it(cluster):
    folder = cluster.dir / "slow-task"
    folder.mkdir()
    starts = folder / "starts"
    cluster.enqueue(cluster_slow, folder=str(folder), token="slow-1", seconds=3)
    [held] = wait_for(cluster.in_flight, what="the task in flight")
    pid = int(held.worker.split(".")[-2])  # host.pid.random
    [name] = [name for name, process in cluster.processes.items() if process.pid == pid]
    wait_for(lambda: starts.exists() and starts.read_text().split(), what="the task's start")
    cluster.kill(name)
    wait_for(
        lambda: (folder / "done").exists(),
        seconds=30,
        what="the task run again by the other worker",
    )
    cluster.start(name)  # two workers again, for what follows
    runs = starts.read_text().split()
    assert runs[0] == str(pid) and len(runs) == 2 and runs[1] != str(pid), runs
    assert (folder / "done").read_text().split() == ["slow-1"]  # its effect, once
    assert cluster.in_flight() == []


def test_a_scheduled_story_goes_live_exactly_once_with_two_workers(cluster):
    scheduled = cluster.seeded["scheduled"]
    for base in cluster.web:
        wait_for(
            lambda base=base: page(base, scheduled["news_id"]).status_code == 200,
            seconds=SCHEDULED_IN + 20,
            what=f"the scheduled story on {base}",
        )
    time.sleep(2)  # a second worker that ran it too would have written by now
    [(live,)] = cluster.sql(
        "SELECT count(*) FROM articles_articleevent WHERE article_id = %s AND action = 'live'",
        scheduled["pk"],
    )
    assert live == 1


def test_with_redis_stopped_pages_answer_comments_are_taken_and_nothing_is_lost(cluster):
    news_id = cluster.seeded["draft"]["news_id"]
    for base in cluster.web:  # kept in the page cache, in Redis
        wait_for(
            lambda base=base: page(base, news_id).headers.get("X-Page-Cache") == "hit",
            what=f"the story kept in the page cache of {base}",
        )
    cluster.redis_stop()
    for base in cluster.web:
        assert page(base, news_id).status_code == 200
        assert requests.get(f"{base}/", timeout=10).status_code == 200
    body = "Posted while Redis was away, and shown once it is back."
    posted = comment_post(cluster.web[1], news_id, body, address="198.51.100.77")
    assert posted.status_code == 303, posted.text[:500]
    [(comment_id,)] = cluster.sql("SELECT id FROM comments_comment WHERE body = %s", body)
    admin_action(
        signed_in(cluster.web[0]), cluster.web[0], "/admin/comments/comment/", "approve", comment_id
    )
    kept = cluster.sql("SELECT task_path, result_id FROM core_taskoutbox ORDER BY id")
    paths = [path for path, _ in kept]
    assert "newsdesk.core.purge.purge_run" in paths, paths  # the approval's purge
    # The comment's events (posted, approved), for the webhooks.
    assert paths.count("newsdesk.webhooks.tasks.webhooks_event") == 2, paths
    cluster.redis_start()  # with what it held: the page as it was before the comment
    wait_for(
        lambda: not cluster.sql("SELECT 1 FROM core_taskoutbox"),
        seconds=30,
        what="the kept tasks in the queue",
    )
    for _, result_id in kept:
        wait_for(
            lambda result_id=result_id: cluster.task_status(result_id) == "SUCCESSFUL",
            seconds=30,
            what=f"kept task {result_id} run",
        )
    for base in cluster.web:
        wait_for(lambda base=base: body in page(base, news_id).text, what=f"the comment on {base}")
