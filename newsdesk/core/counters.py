"""Numbers handed out once each, without a race, on SQLite and PostgreSQL alike.

A counter is one row. Taking a number is one UPDATE of that row inside the caller's transaction:
the row stays locked until it commits (PostgreSQL's row lock; SQLite's write lock, which an
IMMEDIATE transaction takes at its start), so a second writer waits and then sees the new value.
A transaction that rolls back gives its number back. "MAX + 1" read and then written, by
contrast, hands the same number to two writers that read at once.
"""

from django.db import IntegrityError, transaction
from django.db.models import Expression, F, Value
from django.db.models.functions import Greatest

from .models import Counter


def counter_next(name: str, *, at_least: int | Expression = 1) -> int:
    """The counter's next number, and never less than `at_least` (a value, or an expression such
    as one more than the highest number already used by rows made without the counter)."""
    floor = at_least if isinstance(at_least, Expression) else Value(at_least)
    with transaction.atomic():
        if Counter.objects.filter(name=name).update(value=Greatest(F("value") + 1, floor)):
            return Counter.objects.values_list("value", flat=True).get(name=name)
        try:
            with transaction.atomic():  # the first number of a new counter: one writer makes it
                Counter.objects.create(name=name, value=0)
        except IntegrityError:
            pass  # another writer made it first; the UPDATE below waits for it to commit
        Counter.objects.filter(name=name).update(value=Greatest(F("value") + 1, floor))
        return Counter.objects.values_list("value", flat=True).get(name=name)
