"""SQLite's own work for a piece of code, counted rather than timed: the steps of its virtual
machine, which are the same for the same plan and data whatever else the machine does. Used by
tests that hold a query to the rows it should read, and by bench/ (its database work column)."""

from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class Steps:
    count: int = 0

    def step(self) -> None:  # SQLite's progress handler: a non-zero answer would interrupt
        self.count += 1


@contextmanager
def sqlite_steps():
    """The steps SQLite takes while the block runs, on the default connection and on any opened
    meanwhile (a request may close and reopen it)."""
    from django.db import connection
    from django.db.backends.signals import connection_created

    steps = Steps()

    def counting(sender, connection, **kwargs):
        connection.connection.set_progress_handler(steps.step, 1)

    connection.ensure_connection()
    connection.connection.set_progress_handler(steps.step, 1)
    connection_created.connect(counting)
    try:
        yield steps
    finally:
        connection_created.disconnect(counting)
        if connection.connection is not None:
            connection.connection.set_progress_handler(None, 1)
