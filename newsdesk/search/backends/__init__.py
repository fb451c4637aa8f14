"""One search interface, one backend per database vendor."""

from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS
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
def index_suspended(connection=None, *, related: bool = True):
    """For bulk loads (a synthetic archive, a migration of an old site): write without per-row
    indexing, then re-index everything once, which is several times quicker. Writes by other
    processes during the load are indexed by that final rebuild, not before.

    A load that succeeds then gets the related stories its stories' side effects would have
    ranked: the lists of the new articles and of those near enough to list them (in batches,
    some 2.5 ms of CPU per article on SQLite). With `related=False` the caller ranks them
    itself (`newsdesk related-refresh --all`, in several processes for a large archive)."""
    from newsdesk.articles.models import Article

    from ..services import RELATED_ID_WINDOW, related_rebuild

    connection = connection or default_connection
    backend = backend_for(connection)
    highest = Article.objects.using(connection.alias).order_by("-pk").values_list("pk").first()
    backend.suspend(connection)
    try:
        yield
    finally:
        backend.rebuild(connection)
    # Not reached if the load failed.
    if related and connection.alias == DEFAULT_DB_ALIAS:
        related_rebuild(from_id=(highest[0] if highest else 0) + 1 - RELATED_ID_WINDOW)
