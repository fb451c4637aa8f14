"""How commenters' personal data is kept: see docs/comments-operations.md, "Privacy design".

- Emails are stored twice, never in clear: an HMAC-SHA256 digest (matching, rate limits, export and
  erase) and a Fernet ciphertext (shown to moderators only).
- Keys come from NEWSDESK_EMAIL_KEY, or from SECRET_KEY when that is not set, through HKDF with a
  separate label per use: a leaked database alone reveals no address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _master_key() -> str:
    return settings.NEWSDESK_EMAIL_KEY or settings.SECRET_KEY


@lru_cache(maxsize=16)
def _derive(master: str, label: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label.encode()).derive(
        master.encode()
    )


def normalize_email(email: str) -> str:
    return email.strip().lower()


def email_digest(email: str) -> str:
    """Keyed hash of an address: the same whatever its case, useless without the key."""
    key = _derive(_master_key(), "newsdesk email digest v1")
    return hmac.new(key, normalize_email(email).encode(), hashlib.sha256).hexdigest()


def ident_digest(value: str) -> str:
    """Keyed hash for rate-limit counters (IP addresses, email digests): no personal data."""
    key = _derive(_master_key(), "newsdesk rate limit v1")
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


@lru_cache(maxsize=4)
def _fernet(master: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(master, "newsdesk email encryption v1")))


def comment_email_fields(email: str) -> dict[str, str]:
    """The Comment fields that keep a commenter's address: a keyed digest and a ciphertext,
    never the address in clear."""
    return {"email_digest": email_digest(email), "email_encrypted": email_encrypt(email)}


def email_encrypt(email: str) -> str:
    return _fernet(_master_key()).encrypt(email.strip().encode()).decode()


def email_decrypt(ciphertext: str) -> str:
    """The address for moderators; an empty string if it was erased or the key changed."""
    if not ciphertext:
        return ""
    try:
        return _fernet(_master_key()).decrypt(ciphertext.encode()).decode()
    except (InvalidToken, ValueError):
        return ""
