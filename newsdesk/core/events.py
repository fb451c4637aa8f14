"""Events that happen to what the newsroom publishes, for whoever listens from above.

A lower app announces an event from its service, inside the transaction that makes it happen:

    from newsdesk.core.events import event_emit

    event_emit("comment.approved", comment_id=comment.pk)

and each listener is called with the event's type and data once that transaction commits (never
for one that rolls back). An app above registers a listener from its AppConfig.ready() (the
webhooks app delivers events to the endpoints that asked for them):

    event_listen(lambda type, data: webhooks_fan_out.enqueue(type=type, data=data))

A listener must be quick and must not raise: enqueue a task of your own. One that raises is
logged and the others still run; the change itself stands.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)

Listener = Callable[[str, dict], None]
_listeners: list[Listener] = []


def event_listen(func: Listener) -> Listener:
    """Register `func(type, data)`, called after every event's commit (once, however often)."""
    if func not in _listeners:
        _listeners.append(func)
    return func


def event_emit(type: str, **data) -> None:
    """Announce `type` with JSON-serialisable `data` once the current transaction commits."""
    if _listeners:
        transaction.on_commit(partial(_deliver, type, data))


def _deliver(type: str, data: dict) -> None:
    for listener in list(_listeners):
        try:
            listener(type, data)
        except Exception:
            logger.exception("A listener of %s events failed.", type)
