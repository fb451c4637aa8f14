"""Signed, expiring links that show a draft to someone without an account."""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

SALT = "newsdesk.articles.preview"


class PreviewLinkExpired(Exception):
    pass


def _max_age() -> timedelta:
    return timedelta(hours=settings.NEWSDESK_PREVIEW_LINK_HOURS)


def preview_link_make(*, article) -> tuple[str, datetime]:
    """The path of a share link for `article` and when it stops working."""
    token = signing.dumps({"a": article.pk}, salt=SALT)
    return reverse("site:preview_shared", kwargs={"token": token}), timezone.now() + _max_age()


def preview_link_read(token: str) -> tuple[int, datetime]:
    """The article id a token names and when it expires. Raises PreviewLinkExpired, BadSignature."""
    try:
        data = signing.loads(token, salt=SALT, max_age=_max_age())
    except signing.SignatureExpired:
        raise PreviewLinkExpired from None
    # A signed value ends ":<timestamp>:<signature>", the timestamp in base62 seconds.
    signed_at = datetime.fromtimestamp(signing.b62_decode(token.rsplit(":", 2)[-2]), tz=UTC)
    return int(data["a"]), signed_at + _max_age()
