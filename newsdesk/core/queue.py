"""The task queue with at-least-once delivery: huey's Redis (priority) and SQLite storages, plus
an in-flight record and worker liveness, so that a worker killed mid-task loses nothing.

huey pops a message and forgets it: a worker killed with SIGKILL (the OOM killer, a lost
machine) loses the task it was running. Here a dequeue moves the message, in one atomic step
(a Lua script on Redis, one transaction on SQLite), into an in-flight record naming the worker
and the time, and refreshes that worker's liveness. The record is removed when huey is done
with the task (`_Acking.execute`: success, final failure, retry scheduled, revoked, expired,
put off to its time), whatever the task. A worker that was interrupted leaves it in flight.

Each `newsdesk worker` refreshes its liveness every few seconds (a thread, tasks.py); its
liveness lapses NEWSDESK_TASK_ALIVE_SECONDS after it stops. Any worker, at start and at every
refresh, puts back in the queue the in-flight messages of workers whose liveness has lapsed
(`reap`), atomically, so two reapers never requeue one message twice. A task may therefore run
twice (its worker died after the work and before the record went): tasks must be idempotent.

Times on Redis are the Redis server's own (TIME), so the clocks of the workers' machines do not
matter; SQLite serves one machine.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass

from huey import PriorityRedisHuey, SqliteHuey
from huey import signals as S
from huey.storage import PriorityRedisStorage, SqliteStorage
from redis import ConnectionPool

from .outage import QUEUE_UNREACHABLE, Outage

logger = logging.getLogger(__name__)

QUEUE = Outage("The task queue", "workers wait for it, and tasks enqueued meanwhile are kept.")
ALIVE_SECONDS = 30  # a worker silent this long is dead (NEWSDESK_TASK_ALIVE_SECONDS)


@dataclass(frozen=True)
class InFlight:
    worker: str  # host.pid.random: one per worker process
    taken: float  # seconds since 1970, when it was dequeued
    data: bytes


class _Liveness:
    def __init__(self, alive_seconds):
        self.alive_seconds = float(alive_seconds or ALIVE_SECONDS)
        self._pid = None
        self._worker = ""

    @property
    def worker(self) -> str:
        """This process's name in the in-flight records (a forked child gets its own)."""
        if self._pid != os.getpid():
            self.worker = f"{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
        return self._worker

    @worker.setter
    def worker(self, name: str) -> None:
        if not name or " " in name:
            raise ValueError("A worker's name is a word.")
        self._pid, self._worker = os.getpid(), name

    def take(self) -> tuple[object, bytes] | None:
        raise NotImplementedError

    def take_due(self, ts) -> list[tuple[object, bytes]]:
        raise NotImplementedError

    def dequeue(self):
        # huey's own interface (a plain dequeue): the message stays in flight until its worker's
        # liveness lapses, then runs again.
        taken = self.take()
        return None if taken is None else taken[1]

    def read_schedule(self, ts):
        return [data for _, data in self.take_due(ts)]  # likewise


# KEYS: queue, in-flight hash, liveness zset. ARGV: worker, alive seconds.
_TAKE = """
local popped = redis.call('ZPOPMIN', KEYS[1])
if #popped == 0 then return false end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[2]), ARGV[1])
local info = ARGV[1] .. ' ' .. popped[2] .. ' ' .. string.format('%.3f', now)
redis.call('HSET', KEYS[2], popped[1], info)
return popped[1]
"""
# KEYS: schedule, in-flight hash, liveness zset. ARGV: time, worker, alive seconds. The tasks
# due, in flight until the scheduler has put them in the queue; taken back, they go straight in
# it (member: an 8-byte prefix, as the queue's, and the message; priority 0).
_TAKE_DUE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]))
if #due == 0 then return due end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]))
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), ARGV[2])
local taken = {}
for i, data in ipairs(due) do
  taken[i] = 'schedule' .. data
  redis.call('HSET', KEYS[2], taken[i], ARGV[2] .. ' 0 ' .. string.format('%.3f', now))
end
return taken
"""
# KEYS: liveness zset. ARGV: worker, alive seconds.
_BEAT = """
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], tonumber(t[1]) + tonumber(t[2]) / 1000000 + tonumber(ARGV[2]), ARGV[1])
return 1
"""
# KEYS: queue, in-flight hash, liveness zset. Back in the queue with its old score (priority and
# enqueue time, so it keeps its place), each message of a worker no longer alive; returns how many.
_REAP = """
local t = redis.call('TIME')
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', tonumber(t[1]) + tonumber(t[2]) / 1000000)
local entries = redis.call('HGETALL', KEYS[2])
local requeued = 0
for i = 1, #entries, 2 do
  local worker, score = string.match(entries[i + 1], '^(%S+) (%S+)')
  if not redis.call('ZSCORE', KEYS[3], worker) then
    redis.call('ZADD', KEYS[1], score, entries[i])
    redis.call('HDEL', KEYS[2], entries[i])
    requeued = requeued + 1
  end
end
return requeued
"""


class ReliablePriorityRedisStorage(_Liveness, PriorityRedisStorage):
    """huey's priority queue on Redis, with in-flight records (a hash: the queue's member, which
    holds the message, to "worker score taken") and liveness (a sorted set: worker to the time
    its liveness lapses). Dequeues do not block (a script cannot): the consumer polls, at most
    `max_delay` apart."""

    def __init__(
        self,
        name="huey",
        url=None,
        alive_seconds=None,
        socket_timeout=5,
        socket_connect_timeout=2,
        **kwargs,
    ):
        _Liveness.__init__(self, alive_seconds)
        if url:
            # Bounded waits: a Redis that does not answer must fail the call, not hang it.
            kwargs["connection_pool"] = ConnectionPool.from_url(
                url, socket_timeout=socket_timeout, socket_connect_timeout=socket_connect_timeout
            )
        PriorityRedisStorage.__init__(self, name, blocking=False, **kwargs)
        self.inflight_key = f"huey.inflight.{self.name}"
        self.alive_key = f"huey.alive.{self.name}"
        self._take = self.conn.register_script(_TAKE)
        self._take_due = self.conn.register_script(_TAKE_DUE)
        self._beat = self.conn.register_script(_BEAT)
        self._reap = self.conn.register_script(_REAP)

    def take(self) -> tuple[bytes, bytes] | None:
        keys = [self.queue_key, self.inflight_key, self.alive_key]
        member = self._take(keys=keys, args=[self.worker, self.alive_seconds])
        return None if member is None else (member, member[8:])  # huey's 8-byte time prefix

    def take_due(self, ts) -> list[tuple[bytes, bytes]]:
        keys = [self.schedule_key, self.inflight_key, self.alive_key]
        args = [self.convert_ts(ts), self.worker, self.alive_seconds]
        return [(member, member[8:]) for member in self._take_due(keys=keys, args=args) or []]

    def ack(self, token: bytes) -> None:
        self.conn.hdel(self.inflight_key, token)

    def beat(self) -> None:
        self._beat(keys=[self.alive_key], args=[self.worker, self.alive_seconds])

    def leave(self) -> None:
        """This worker stops: what it still holds may be taken back at once."""
        self.conn.zrem(self.alive_key, self.worker)

    def reap(self) -> int:
        return int(self._reap(keys=[self.queue_key, self.inflight_key, self.alive_key]))

    def in_flight(self) -> list[InFlight]:
        found = []
        for member, info in self.conn.hgetall(self.inflight_key).items():
            worker, _, taken = info.decode().split(" ")
            found.append(InFlight(worker=worker, taken=float(taken), data=member[8:]))
        return found

    def flush_queue(self):
        super().flush_queue()
        self.conn.delete(self.inflight_key)


class ReliableSqliteStorage(_Liveness, SqliteStorage):
    """huey's SQLite queue, with in-flight records and liveness in two tables of its file."""

    table_inflight = (
        "create table if not exists inflight (id integer not null primary key, "
        "queue text not null, worker text not null, data blob not null, "
        "priority real not null, taken real not null)"
    )
    table_alive = (
        "create table if not exists alive (queue text not null, worker text not null, "
        "expires real not null, primary key (queue, worker))"
    )
    ddl = [*SqliteStorage.ddl, table_inflight, table_alive]

    def __init__(self, name="huey", alive_seconds=None, **kwargs):
        _Liveness.__init__(self, alive_seconds)
        SqliteStorage.__init__(self, name, **kwargs)

    def _alive(self, curs, now: float) -> None:
        curs.execute(
            "insert or replace into alive (queue, worker, expires) values (?, ?, ?)",
            (self.name, self.worker, now + self.alive_seconds),
        )

    def take(self) -> tuple[int, bytes] | None:
        if not self.sql("select 1 from task where queue = ? limit 1", (self.name,), results=True):
            return None  # huey's quick look without the write lock
        with self.db(commit=True) as curs:
            curs.execute(
                "select id, data, priority from task where queue = ? "
                "order by priority desc, id limit 1",
                (self.name,),
            )
            row = curs.fetchone()
            if row is None:
                return None
            task_id, data, priority = row
            curs.execute("delete from task where id = ?", (task_id,))
            now = time.time()
            curs.execute(
                "insert into inflight (queue, worker, data, priority, taken) "
                "values (?, ?, ?, ?, ?)",
                (self.name, self.worker, data, priority, now),
            )
            token = curs.lastrowid
            self._alive(curs, now)
            return token, data

    def take_due(self, ts) -> list[tuple[int, bytes]]:
        with self.db(commit=True) as curs:
            curs.execute(
                "select id, data from schedule where queue = ? and timestamp <= ? "
                "order by timestamp, id",
                (self.name, ts.timestamp()),
            )
            due, taken, now = curs.fetchall(), [], time.time()
            for schedule_id, data in due:
                curs.execute("delete from schedule where id = ?", (schedule_id,))
                curs.execute(
                    "insert into inflight (queue, worker, data, priority, taken) "
                    "values (?, ?, ?, 0, ?)",
                    (self.name, self.worker, data, now),
                )
                taken.append((curs.lastrowid, data))
            if taken:
                self._alive(curs, now)
            return taken

    def ack(self, token: int) -> None:
        self.sql("delete from inflight where id = ?", (token,), commit=True)

    def beat(self) -> None:
        with self.db(commit=True) as curs:
            self._alive(curs, time.time())

    def leave(self) -> None:
        self.sql("delete from alive where queue = ? and worker = ?", (self.name, self.worker), True)

    def reap(self) -> int:
        with self.db(commit=True) as curs:
            curs.execute(
                "delete from alive where queue = ? and expires <= ?", (self.name, time.time())
            )
            dead = "queue = ? and worker not in (select worker from alive where queue = ?)"
            # Oldest first, so that they keep their order among tasks of the same priority.
            curs.execute(
                "insert into task (queue, data, priority) select queue, data, priority "  # noqa: S608
                f"from inflight where {dead} order by id",
                (self.name, self.name),
            )
            requeued = curs.rowcount
            curs.execute(f"delete from inflight where {dead}", (self.name, self.name))  # noqa: S608
            return requeued

    def in_flight(self) -> list[InFlight]:
        rows = self.sql(
            "select worker, taken, data from inflight where queue = ? order by id",
            (self.name,),
            results=True,
        )
        return [InFlight(worker=w, taken=t, data=bytes(d)) for w, t, d in rows]

    def flush_queue(self):
        super().flush_queue()
        self.sql("delete from inflight where queue = ?", (self.name,), commit=True)


class _Acking:
    """huey whose worker removes a task's in-flight record once huey is done with it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._unacked: set = set()  # records whose removal failed (the store was away)
        self._signal.connect(_interrupted, S.SIGNAL_INTERRUPTED)

    def dequeue(self):
        if not isinstance(self.storage, _Liveness):
            return super().dequeue()  # huey's in-memory storage (immediate mode, the tests)
        try:
            taken = self.storage.take()
        except QUEUE_UNREACHABLE as error:
            QUEUE.failed(error)  # once, not at every poll of every worker thread
            return None
        QUEUE.answered()
        if taken is None:
            return None
        token, data = taken
        try:
            task = self.deserialize_task(data)
        except Exception:
            self.ack(token)  # unreadable (a task no longer defined): huey drops such messages
            raise
        task.delivery = token
        return task

    def execute(self, task, timestamp=None):
        token = getattr(task, "delivery", None)
        try:
            value = super().execute(task, timestamp)
        except Exception:
            self.ack(token)
            raise
        if not getattr(task, "interrupted", False):
            self.ack(token)
        return value

    def read_schedule(self, timestamp=None):
        """The tasks whose time has come, each in flight until `enqueue` has queued it: a
        scheduler killed in between loses none."""
        if not isinstance(self.storage, _Liveness):
            return super().read_schedule(timestamp)  # huey's in-memory storage (immediate mode)
        try:
            taken = self.storage.take_due(timestamp or self._get_timestamp())
        except QUEUE_UNREACHABLE as error:
            QUEUE.failed(error)
            return []
        tasks = []
        for token, data in taken:
            try:
                task = self.deserialize_task(data)
            except Exception:
                logger.exception("A scheduled task could not be read; it is dropped.")
                self.ack(token)
                continue
            task.delivery = token
            tasks.append(task)
        return tasks

    def enqueue(self, task):
        result = super().enqueue(task)
        # A task taken from the schedule (or a retry of one taken from the queue) is queued now.
        self.ack(getattr(task, "delivery", None))
        return result

    def ack(self, token) -> None:
        if token is None:
            return  # not taken from the queue (immediate mode)
        try:
            self.storage.ack(token)
        except Exception as error:
            logger.warning("A task's in-flight record could not be removed (%s).", error)
            self._unacked.add(token)

    def ack_again(self) -> None:
        """Remove the records whose removal failed; called by the worker's liveness thread."""
        for token in list(self._unacked):
            self.storage.ack(token)
            self._unacked.discard(token)


def _interrupted(signal, task, *args, **kwargs) -> None:
    task.interrupted = True  # stopped before it finished: it stays in flight, and runs again


class ReliablePriorityRedisHuey(_Acking, PriorityRedisHuey):
    storage_class = ReliablePriorityRedisStorage


class ReliableSqliteHuey(_Acking, SqliteHuey):
    storage_class = ReliableSqliteStorage
