"""Proof of work for forms, on the ALTCHA protocol (v2) through the `altcha` package.

The server issues a challenge: PBKDF2-SHA256 parameters (random nonce and salt, `cost`
iterations), the first half of the key that a secret counter derives, an expiry and the
difficulty it was issued at, all signed with a key derived from SECRET_KEY. The browser
(static/captcha/pow-worker.js, a Web Worker) tries counters 0, 1, 2... until the derived key
starts with that half; the counter was drawn between difficulty/2 and difficulty, so the work is
at least difficulty/2 derivations and at most difficulty. The server checks the signature, the
expiry and the derived key against a second signature (one HMAC, no derivation), and a post
consumes the challenge (UsedChallenge, shared with the Security Key), so it is single use.

PBKDF2 rather than a single hash: the browser derives with WebCrypto, native code as fast as a
bot's OpenSSL per derivation, so a reader's browser pays about what a bot pays.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache

import altcha
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils.translation import gettext_lazy

from .challenges import used_mark

ALGORITHM = "PBKDF2/SHA-256"
MAX_PAYLOAD = 4000  # characters; a real payload is about 700


class PowError(Exception):
    """A proof of work that cannot be accepted; `code` is invalid, expired, used or weak."""

    messages = {
        "invalid": gettext_lazy(
            "Your browser's anti-spam check could not be verified. It has started a new "
            "one and your text is kept: please send the comment again in a moment."
        ),
        "expired": gettext_lazy(
            "The anti-spam check expired (the form was open a long time). Your browser "
            "has started a new one and your text is kept: please send the comment again in a "
            "moment."
        ),
        "used": gettext_lazy(
            "That anti-spam check was already used. Your browser has started a new one and "
            "your text is kept: please send the comment again in a moment."
        ),
        "weak": gettext_lazy(
            "Many comments are arriving right now, so the anti-spam check asks your browser "
            "for more work. It has started, and your text is kept: please send the comment again "
            "in a moment."
        ),
    }

    def __init__(self, code: str):
        self.code = code
        super().__init__(self.messages[code])


@dataclass(frozen=True)
class Work:
    """A verified solution: which challenge (for single use), until when, at what difficulty."""

    id: str
    expires: int
    difficulty: int


@lru_cache(maxsize=8)
def _key(secret_key: str, label: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label.encode()).derive(
        secret_key.encode()
    )


def _keys() -> tuple[bytes, bytes]:
    return (
        _key(settings.SECRET_KEY, "newsdesk altcha challenge v1"),
        _key(settings.SECRET_KEY, "newsdesk altcha key v1"),
    )


def pow_issue(*, difficulty: int, now: float | None = None) -> dict:
    """A signed challenge for the browser (JSON-ready): at least difficulty/2 and at most
    `difficulty` key derivations of NEWSDESK_POW_COST iterations each. Nothing is stored."""
    now = time.time() if now is None else now
    difficulty = max(1, int(difficulty))
    challenge_key, derived_key = _keys()
    challenge = altcha.create_challenge(
        ALGORITHM,
        settings.NEWSDESK_POW_COST,
        counter=difficulty // 2 + secrets.randbelow(difficulty - difficulty // 2 + 1),
        expires_at=int(now) + settings.NEWSDESK_CAPTCHA_TTL,
        data={"difficulty": difficulty},
        hmac_secret=challenge_key,
        hmac_key_secret=derived_key,
    )
    return challenge.to_dict()


def pow_solve(challenge: dict) -> str:
    """The payload a browser sends for `challenge`, found here at native speed (OpenSSL's
    PBKDF2): what a bot does, for tests and bench/comment_pow.py."""
    parsed = altcha.Challenge.from_dict(challenge)
    solution = altcha.solve_challenge(parsed, timeout=0)
    return altcha.Payload(parsed, solution).to_base64()


def pow_verify(payload: str) -> Work:
    """The Work of a solved challenge's payload; raises PowError('invalid' or 'expired'). A forged
    or altered challenge fails its signature, a wrong counter or key the key's signature."""
    if not payload or len(payload) > MAX_PAYLOAD:
        raise PowError("invalid")
    challenge_key, derived_key = _keys()
    try:
        parsed = altcha.Payload.from_dict(json.loads(base64.b64decode(payload, validate=True)))
        result = altcha.verify_solution(parsed, challenge_key, hmac_key_secret=derived_key)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise PowError("invalid") from None
    if result.expired:
        raise PowError("expired")
    parameters = parsed.challenge.parameters
    # The key's signature is what makes checking one HMAC; a challenge without it is not ours.
    if not result.verified or not parameters.key_signature:
        raise PowError("invalid")
    data = parameters.data if isinstance(parameters.data, dict) else {}
    return Work(
        id="p" + str(parameters.nonce)[:31],
        expires=int(parameters.expires_at or 0),
        difficulty=int(data.get("difficulty", 0)),
    )


def pow_consume(work: Work) -> None:
    """Record the challenge as used (in the caller's transaction); PowError('used') if it was."""
    if not used_mark(work.id, work.expires):
        raise PowError("used")
