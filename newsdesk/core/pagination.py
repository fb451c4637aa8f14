"""Keyset pagination over (published_at, id): constant cost on any page of any archive."""

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet


class BadCursor(ValueError):
    """A cursor from a URL that we did not make."""


@dataclass(frozen=True)
class Page:
    items: list
    next_cursor: str | None


def encode_cursor(published_at: datetime, pk: int) -> str:
    raw = f"{published_at.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, pk = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        when = datetime.fromisoformat(stamp)
        if when.tzinfo is None:
            raise ValueError("naive time")
        return when, int(pk)
    except (ValueError, binascii.Error, UnicodeError):
        raise BadCursor("This page link is not valid. Start again from the first page.") from None


# The fields of a list's order, newest first: its stories' own published_at and pk.
NEWEST = ("published_at", "id")


def order_of(queryset: QuerySet) -> tuple[str, str]:
    """The two fields a list is paged by, newest first: those the queryset is ordered by, when
    it orders by a copy of the stories' published_at and pk whose index leads the query
    (Article.objects.listed_under()); otherwise the stories' own."""
    ordering = queryset.query.order_by
    if len(ordering) == 2 and all(isinstance(f, str) and f.startswith("-") for f in ordering):
        return ordering[0][1:], ordering[1][1:]
    return NEWEST


def keyset_page(queryset: QuerySet, *, cursor: str | None, size: int) -> Page:
    """Newest first, by order_of(queryset); we order it here."""
    order = order_of(queryset)
    time, key = order
    queryset = queryset.order_by(f"-{time}", f"-{key}")
    if cursor:
        queryset = led_by(queryset, after(*decode_cursor(cursor), order=order))
    rows = list(queryset[: size + 1])
    items, more = rows[:size], len(rows) > size
    next_cursor = encode_cursor(items[-1].published_at, items[-1].pk) if more else None
    return Page(items=items, next_cursor=next_cursor)


def led_by(queryset: QuerySet, condition: Q) -> QuerySet:
    """`queryset` filtered by `condition`, put first in its WHERE clause. Of two bounds on one
    column given as parameters (a list's own `published_at <= now` and its cursor's), SQLite
    seeks the index on the first and filters by the other: after the list's own, a page N pages
    deep read the N pages before it."""
    before = list(queryset.query.where.children)
    queryset = queryset.filter(condition)
    where = queryset.query.where
    if where.connector == "AND" and not where.negated and where.children[: len(before)] == before:
        where.children = where.children[len(before) :] + before
    return queryset


# Each condition leads with a bound on the time alone, which the OR beside it implies:
# PostgreSQL seeks no index on such an OR, so without it a page N pages deep walked the N pages
# before it in the index, each row read and then filtered out (SQLite: see led_by()).


def after(when: datetime, pk: int, *, order=NEWEST) -> Q:
    """The stories that come after (when, pk) in a list, newest first: the older ones."""
    time, key = order
    return Q(**{f"{time}__lte": when}) & (
        Q(**{f"{time}__lt": when}) | Q(**{time: when, f"{key}__lt": pk})
    )


def from_(when: datetime, pk: int, *, order=NEWEST) -> Q:
    """The story at (when, pk) and those before it in a list, newest first: the newer ones."""
    time, key = order
    return Q(**{f"{time}__gte": when}) & (
        Q(**{f"{time}__gt": when}) | Q(**{time: when, f"{key}__gte": pk})
    )
