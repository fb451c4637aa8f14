"""Production: refuses to start without a secret key and allowed hosts; HTTPS everywhere."""

import os

from django.core.exceptions import ImproperlyConfigured

for _name in ("NEWSDESK_SECRET_KEY", "NEWSDESK_ALLOWED_HOSTS"):
    if not os.environ.get(_name, "").strip():
        raise ImproperlyConfigured(
            f"{_name} is not set. Production settings need a secret key and the site's host names."
        )


def _refuse_weak_secret_key(key: str) -> None:
    # The key signs sessions and password-reset links and derives the captcha's cipher: a short
    # or repetitive one can be guessed offline from any signed value. Django's deploy check only
    # warns; production refuses to start. Ten different characters still admits hex keys.
    from django.core.checks.security.base import SECRET_KEY_INSECURE_PREFIX, SECRET_KEY_MIN_LENGTH

    unique = len(set(key))
    if (
        len(key) < SECRET_KEY_MIN_LENGTH
        or unique < 10
        or key.startswith(SECRET_KEY_INSECURE_PREFIX)
    ):
        raise ImproperlyConfigured(
            f"NEWSDESK_SECRET_KEY is too weak ({len(key)} characters, {unique} different): "
            f"production needs at least {SECRET_KEY_MIN_LENGTH} characters with at least 10 "
            "different ones, not one Django generated for development. Make one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`, keep it secret, and "
            "set it before starting."
        )


_refuse_weak_secret_key(os.environ["NEWSDESK_SECRET_KEY"].strip())

from .base import *  # noqa: E402, F403
from .base import env_bool, env_int  # noqa: E402

DEBUG = False
SECURE_SSL_REDIRECT = env_bool("NEWSDESK_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("NEWSDESK_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
