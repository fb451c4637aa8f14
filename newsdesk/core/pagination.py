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


def keyset_page(queryset: QuerySet, *, cursor: str | None, size: int) -> Page:
    """Newest first. `queryset` must not be ordered differently; we order it here."""
    queryset = queryset.order_by("-published_at", "-id")
    if cursor:
        when, pk = decode_cursor(cursor)
        queryset = queryset.filter(Q(published_at__lt=when) | Q(published_at=when, id__lt=pk))
    rows = list(queryset[: size + 1])
    items, more = rows[:size], len(rows) > size
    next_cursor = encode_cursor(items[-1].published_at, items[-1].pk) if more else None
    return Page(items=items, next_cursor=next_cursor)
