"""At-least-once delivery (core/queue.py), on a real Redis (database 13 of 127.0.0.1:6379, which
no other test uses) and a real SQLite file: a dequeued message is in flight until huey is done
with it, and a worker's messages go back in the queue, once, when its liveness has lapsed."""

import datetime
import tempfile
import threading
import uuid
from pathlib import Path

import pytest
import redis

from newsdesk.core.queue import (
    ReliablePriorityRedisHuey,
    ReliablePriorityRedisStorage,
    ReliableSqliteHuey,
    ReliableSqliteStorage,
)

REDIS_URL = "redis://127.0.0.1:6379/13"


def _redis_answers() -> bool:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False
    return True


class Kinds:
    """Two workers' storages on one queue, and a way to make a worker's liveness lapse (as the
    TTL would, without waiting for it)."""

    def __init__(self, kind: str, tmp: Path):
        self.kind, self.name = kind, f"t{uuid.uuid4().hex[:10]}"
        self.file = str(tmp / "queue.sqlite3")

    def storage(self, worker: str):
        if self.kind == "redis":
            storage = ReliablePriorityRedisStorage(self.name, url=REDIS_URL, alive_seconds=30)
        else:
            storage = ReliableSqliteStorage(self.name, filename=self.file, alive_seconds=30)
        storage.worker = worker
        return storage

    def huey(self, worker: str):
        if self.kind == "redis":
            huey = ReliablePriorityRedisHuey(self.name, url=REDIS_URL, alive_seconds=30)
        else:
            huey = ReliableSqliteHuey(self.name, filename=self.file, alive_seconds=30)
        huey.storage.worker = worker
        return huey

    def lapse(self, storage) -> None:
        if self.kind == "redis":
            storage.conn.zadd(storage.alive_key, {storage.worker: 0})
        else:
            storage.sql(
                "update alive set expires = 0 where queue = ? and worker = ?",
                (storage.name, storage.worker),
                commit=True,
            )

    def cleanup(self, storage) -> None:
        if self.kind == "redis":
            storage.conn.delete(storage.queue_key, storage.inflight_key, storage.alive_key)
            storage.conn.delete(storage.schedule_key, storage.result_key)


@pytest.fixture(params=["redis", "sqlite"])
def kinds(request):
    if request.param == "redis" and not _redis_answers():
        pytest.skip("Redis does not answer on 127.0.0.1:6379 (redis-server)")
    with tempfile.TemporaryDirectory() as tmp:
        made = Kinds(request.param, Path(tmp))
        yield made
        made.cleanup(made.storage("cleanup"))


def test_a_dequeued_message_is_in_flight_until_acknowledged(kinds):
    worker = kinds.storage("worker-a")
    worker.enqueue(b"one", 0)
    token, data = worker.take()
    assert data == b"one"
    assert worker.queue_size() == 0
    [held] = worker.in_flight()
    assert (held.worker, held.data) == ("worker-a", b"one")
    worker.ack(token)
    assert worker.in_flight() == []
    assert worker.reap() == 0 and worker.queue_size() == 0


def test_a_dead_workers_message_goes_back_once_and_another_worker_takes_it(kinds):
    dead, other, third = (kinds.storage(w) for w in ("worker-a", "worker-b", "worker-c"))
    dead.enqueue(b"urgent", 50)
    dead.enqueue(b"plain", 0)
    assert dead.take()[1] == b"urgent"
    kinds.lapse(dead)
    assert other.reap() == 1
    assert third.reap() == 0  # a second reaper finds nothing left to put back
    assert other.queue_size() == 2
    # It kept its place: ahead of the plain one, as its priority says.
    token, data = other.take()
    assert data == b"urgent"
    assert [h.worker for h in other.in_flight()] == ["worker-b"]
    other.ack(token)


def test_a_live_workers_message_is_kept_in_flight(kinds):
    alive, reaper = kinds.storage("worker-a"), kinds.storage("worker-b")
    alive.enqueue(b"long", 0)
    alive.take()
    alive.beat()
    assert reaper.reap() == 0
    assert [h.worker for h in reaper.in_flight()] == ["worker-a"]
    assert reaper.queue_size() == 0


def test_a_worker_that_leaves_gives_back_what_it_holds_at_once(kinds):
    leaving, reaper = kinds.storage("worker-a"), kinds.storage("worker-b")
    leaving.enqueue(b"interrupted", 0)
    leaving.take()
    leaving.leave()
    assert reaper.reap() == 1
    assert reaper.take()[1] == b"interrupted"


def test_reapers_racing_put_each_message_back_once(kinds):
    dead = kinds.storage("worker-a")
    for n in range(20):
        dead.enqueue(f"m{n}".encode(), 0)
    for _ in range(20):
        dead.take()
    kinds.lapse(dead)
    reapers = [kinds.storage(f"reaper-{n}") for n in range(6)]
    counts = []
    barrier = threading.Barrier(len(reapers))

    def reap(storage):
        barrier.wait()
        counts.append(storage.reap())

    threads = [threading.Thread(target=reap, args=(r,)) for r in reapers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 20
    assert reapers[0].queue_size() == 20 and reapers[0].in_flight() == []


def test_huey_removes_the_record_when_done_whatever_the_outcome(kinds):
    huey = kinds.huey("worker-a")
    ran = []

    @huey.task()
    def works(n):
        ran.append(n)

    @huey.task(retries=1)
    def fails(n):
        raise RuntimeError(f"failure {n}")

    @huey.task()
    def interrupted():
        raise KeyboardInterrupt

    for call in (works(1), fails(2)):
        task = huey.dequeue()
        assert len(huey.storage.in_flight()) == 1
        huey.execute(task)
        assert huey.storage.in_flight() == [], call
    assert ran == [1]
    # The failure's retry went back in the queue as a message of its own.
    assert huey.storage.queue_size() + huey.storage.schedule_size() == 1
    huey.storage.flush_queue()
    huey.storage.flush_schedule()
    interrupted()
    huey.execute(huey.dequeue())
    assert [h.worker for h in huey.storage.in_flight()] == ["worker-a"]  # it runs again


def test_huey_dequeue_of_a_message_it_cannot_read_drops_it(kinds):
    huey = kinds.huey("worker-a")
    huey.storage.enqueue(b"not a message", 0)
    with pytest.raises(Exception):  # noqa: B017 - huey's serializer says why
        huey.dequeue()
    assert huey.storage.in_flight() == [] and huey.storage.queue_size() == 0


@pytest.mark.django_db(transaction=True)
def test_a_workers_round_takes_back_dead_workers_tasks_and_enqueues_the_kept_ones(tmp_path):
    from newsdesk.core.models import TaskOutbox
    from newsdesk.core.tasks import HUEY, WorkerLiveness

    from .test_outage import noted

    HUEY.immediate = False
    HUEY.storage = ReliableSqliteStorage("t", filename=str(tmp_path / "q.sqlite3"))
    try:
        dead = ReliableSqliteStorage("t", filename=str(tmp_path / "q.sqlite3"))
        dead.worker = "dead-worker"
        dead.enqueue(b"held", 0)
        dead.take()
        dead.sql("update alive set expires = 0", commit=True)
        TaskOutbox.objects.create(result_id="kept-1", task_path=noted.module_path, args=[5])
        round_ = WorkerLiveness(HUEY)
        round_.tick()
        held, kept = HUEY.storage.enqueued_items()  # the one taken back first, as it is older
        assert held == b"held" and HUEY.deserialize_task(kept).id == "kept-1"
        assert HUEY.storage.in_flight() == []
        assert not TaskOutbox.objects.exists()
        # Its own liveness is refreshed: what it takes is not taken back from it.
        HUEY.storage.take()
        assert HUEY.storage.reap() == 0
        round_.stop()  # never started: gives back what it holds
        assert HUEY.storage.reap() == 1
    finally:
        HUEY.immediate = True


def test_a_task_whose_time_has_come_is_in_flight_until_the_scheduler_queued_it(kinds):
    huey = kinds.huey("scheduler-a")

    @huey.task()
    def later(n):
        return n

    huey.add_schedule(later.s(1, eta=huey._get_timestamp() - datetime.timedelta(seconds=1)))
    [due] = huey.read_schedule()
    assert huey.storage.schedule_size() == 0
    assert [h.worker for h in huey.storage.in_flight()] == ["scheduler-a"]
    huey.enqueue(due)
    assert huey.storage.in_flight() == [] and huey.storage.queue_size() == 1


def test_a_dead_schedulers_due_tasks_go_in_the_queue_once(kinds):
    huey, reaper = kinds.huey("scheduler-a"), kinds.storage("worker-b")

    @huey.task()
    def later(n):
        return n

    scheduled = later.s(2, eta=huey._get_timestamp() - datetime.timedelta(seconds=1))
    huey.add_schedule(scheduled)
    huey.read_schedule()  # ... and killed before it put them in the queue
    kinds.lapse(huey.storage)
    assert reaper.reap() == 1 and reaper.reap() == 0
    assert huey.dequeue().id == scheduled.id
