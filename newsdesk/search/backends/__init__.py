"""One search interface, one backend per database vendor."""

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
