"""Security Key challenges without server state: the answer travels encrypted in a token.

A page view issues a token (Fernet: AES plus HMAC, key derived from SECRET_KEY) holding a random
challenge id, the answer, a picture seed and the expiry. Nothing is written to the database
until the challenge is checked: then its id goes into UsedChallenge, whose primary key makes it
single-use.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import connection
from django.utils.translation import gettext_lazy

from .image import normalize_answer, random_answer
from .models import UsedChallenge


class ChallengeError(Exception):
    """A challenge that cannot be accepted; `code` is invalid, expired, wrong or used."""

    messages = {
        "missing": gettext_lazy("Please type the characters shown in the Security Key picture."),
        "invalid": gettext_lazy(
            "The Security Key could not be read. We have shown you a new one: "
            "please type its characters."
        ),
        "expired": gettext_lazy(
            "The Security Key expired. We have shown you a new one: please type its characters."
        ),
        "wrong": gettext_lazy(
            "The characters you typed do not match the Security Key picture. "
            "We have shown you a new one: please try again."
        ),
        "used": gettext_lazy(
            "That Security Key was already used. We have shown you a new one: "
            "please type its characters."
        ),
    }

    def __init__(self, code: str):
        self.code = code
        super().__init__(self.messages[code])


@dataclass(frozen=True)
class Challenge:
    id: str
    answer: str
    seed: int
    expires: int
    token: str


@lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"newsdesk captcha v1").derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _cipher() -> Fernet:
    return _fernet(settings.SECRET_KEY)


def challenge_issue(*, answer: str | None = None, now: float | None = None) -> Challenge:
    """A fresh challenge and its token; nothing is stored."""
    now = time.time() if now is None else now
    answer = answer or random_answer()
    cid = secrets.token_hex(16)
    seed = secrets.randbits(63)
    expires = int(now) + settings.NEWSDESK_CAPTCHA_TTL
    payload = json.dumps({"i": cid, "a": answer, "s": seed, "e": expires}, separators=(",", ":"))
    token = _cipher().encrypt(payload.encode()).decode()
    return Challenge(id=cid, answer=answer, seed=seed, expires=expires, token=token)


def challenge_read(
    token: str, *, now: float | None = None, allow_expired: bool = False
) -> Challenge:
    """The challenge inside `token`; raises ChallengeError('invalid' or 'expired')."""
    if not token or len(token) > 1000:
        raise ChallengeError("invalid")
    try:
        data = json.loads(_cipher().decrypt(token.encode("ascii")))
        challenge = Challenge(
            id=str(data["i"]),
            answer=str(data["a"]),
            seed=int(data["s"]),
            expires=int(data["e"]),
            token=token,
        )
    except (InvalidToken, UnicodeEncodeError, ValueError, KeyError, TypeError):
        raise ChallengeError("invalid") from None
    now = time.time() if now is None else now
    if not allow_expired and now > challenge.expires:
        raise ChallengeError("expired")
    return challenge


def challenge_check(token: str, typed: str) -> Challenge:
    """The challenge if `typed` answers it and it has not expired. A wrong answer burns the
    challenge, so one token cannot be guessed at repeatedly. Consuming a right answer is left to
    the caller's transaction (challenge_consume): the comment and the used id commit together."""
    challenge = challenge_read(token)
    if not typed.strip():
        raise ChallengeError("missing")
    if not secrets.compare_digest(normalize_answer(typed), challenge.answer):
        challenge_consume(challenge, missing_ok=True)
        raise ChallengeError("wrong")
    return challenge


def challenge_consume(challenge: Challenge, *, missing_ok: bool = False) -> None:
    """Record the challenge as used; raises ChallengeError('used') if it already was."""
    if not used_mark(challenge.id, challenge.expires) and not missing_ok:
        raise ChallengeError("used")


def used_mark(challenge_id: str, expires: int) -> bool:
    """Record a challenge id as used until `expires`; False if it already was. Shared by the
    Security Key and the proof of work (pow.py): one table, seen by every server."""
    table = connection.ops.quote_name(UsedChallenge._meta.db_table)
    with connection.cursor() as cursor:
        # One statement, no savepoint: the primary key decides, RETURNING tells us who won.
        cursor.execute(
            f"INSERT INTO {table} (challenge_id, expires) VALUES (%s, %s) "  # noqa: S608 - our table name
            "ON CONFLICT (challenge_id) DO NOTHING RETURNING challenge_id",
            [challenge_id, expires],
        )
        return cursor.fetchone() is not None


def used_challenges_purge(*, now: float | None = None) -> int:
    """Forget used ids whose challenges have expired anyway (their tokens are refused by expiry)."""
    now = time.time() if now is None else now
    deleted, _ = UsedChallenge.objects.filter(expires__lt=int(now)).delete()
    return deleted
