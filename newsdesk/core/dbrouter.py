"""Reads from a PostgreSQL replica, writes and read-your-own-writes on the primary.

With NEWSDESK_DATABASE_REPLICA_URL set, settings add a `replica` database alias and this router
sends to it the reads of anonymous readers' safe requests (GET, HEAD, OPTIONS without a session
cookie): the public pages, feeds and API, which a replica's lag of a second or two cannot hurt,
since purges follow the primary's commits and the page is rendered again after them.

Everything else reads the primary: editors and moderators (a session cookie), every POST (a
comment and the page that answers it), tasks, commands and the shell. And once anything in a
request writes, the rest of that request reads the primary too, so nobody misses what they just
wrote.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"

# True inside a request whose reads may go to the replica; set by ReplicaMiddleware.
_replica_allowed: ContextVar[bool] = ContextVar("newsdesk_replica_allowed", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES and settings.NEWSDESK_READ_REPLICA


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _replica_allowed.get() and replica_configured():
            return REPLICA
        return "default"

    def db_for_write(self, model, **hints):
        _replica_allowed.set(False)  # read your own writes, for the rest of this request
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two copies of it

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaMiddleware:
    """Lets an anonymous reader's safe request read from the replica (see the module's text)."""

    SAFE = ("GET", "HEAD", "OPTIONS")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        allowed = (
            request.method in self.SAFE
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and replica_configured()
        )
        token = _replica_allowed.set(allowed)
        try:
            return self.get_response(request)
        finally:
            _replica_allowed.reset(token)
