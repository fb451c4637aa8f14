"""One search interface, one backend per database vendor."""

from contextlib import contextmanager

from django.db import connection as default_connection

from .base import SearchBackend


def backend_for(connection=None) -> SearchBackend:
    connection = connection or default_connection
    if connection.vendor == "postgresql":
        from .postgres import PostgresBackend

        return PostgresBackend()
    if connection.vendor == "sqlite":
        from .sqlite import SqliteBackend

        return SqliteBackend()
    raise NotImplementedError(f"Search has no backend for {connection.vendor}.")


@contextmanager
def index_suspended(connection=None):
    """For bulk loads (a synthetic archive, a migration of an old site): write without per-row
    indexing, then re-index everything once, which is several times quicker. Writes by other
    processes during the load are indexed by that final rebuild, not before."""
    connection = connection or default_connection
    backend = backend_for(connection)
    backend.suspend(connection)
    try:
        yield
    finally:
        backend.rebuild(connection)
