"""System checks (`newsdesk check`, and every command that starts the site): settings that
would fail silently later fail here, with what to change.

NEWSDESK_PURGE_URLS: an edge that can never be purged would keep serving what a change
removed, so an entry that cannot work is an error; an edge that does not take a purge right
now is a warning (it may start after the site, and purges are retried until it takes them).
"""

from __future__ import annotations

import re
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register

from .edge import FASTLY_API, SCHEMES, EdgePurgeError, edge_label, edge_purge

# `newsdesk check` runs before every command that starts the site: ask each edge briefly.
PROBE_TIMEOUT = 2.0
# The probe is a real purge of a key that no page carries: it costs the edge nothing, and shows
# that this server may purge there.
PROBE_KEY = "newsdesk-check"
_FASTLY_SERVICE = re.compile(r"^[A-Za-z0-9]+$")
HINT = (
    "NEWSDESK_PURGE_URLS is a comma-separated list of edge base URLs, such as "
    "http://varnish:6081 or fastly://SERVICE_ID (docs/operations.md, 'Caching and purges')."
)


@register()
def purge_urls_check(app_configs=None, **kwargs) -> list:
    problems = []
    for url in settings.NEWSDESK_PURGE_URLS:
        problems += purge_url_problems(url.strip())
    return problems


def purge_url_problems(url: str) -> list:
    error = _setting_error(url)
    if error:
        return [error]
    try:
        edge_purge(base_url=url, keys=[PROBE_KEY], timeout=PROBE_TIMEOUT)
    except EdgePurgeError as failure:
        return [
            Warning(
                str(failure),
                hint="The site runs meanwhile: purges to this edge are retried until they pass.",
                id="core.W001",
            )
        ]
    return []


def _setting_error(url: str) -> Error | None:
    label = edge_label(url) if "://" in url else url
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.netloc:
        return Error(
            f"NEWSDESK_PURGE_URLS entry {label!r} is not an http://, https:// or fastly:// URL.",
            hint=HINT,
            id="core.E001",
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return Error(
            f"NEWSDESK_PURGE_URLS entry {label}{parts.path} has a path or query: purges go to "
            "the edge itself, by key, not to an address on it.",
            hint="Give the edge's base URL only, such as http://varnish:6081.",
            id="core.E002",
        )
    if parts.scheme == "fastly":
        if not _FASTLY_SERVICE.match(parts.netloc):
            return Error(
                f"NEWSDESK_PURGE_URLS entry {label!r} does not name a Fastly service id "
                "(letters and digits).",
                hint="Copy the service id from the Fastly console: fastly://SERVICE_ID.",
                id="core.E001",
            )
        if not settings.NEWSDESK_FASTLY_TOKEN:
            return Error(
                f"NEWSDESK_PURGE_URLS has {label} but NEWSDESK_FASTLY_TOKEN is not set.",
                hint="Set NEWSDESK_FASTLY_TOKEN to a Fastly API token with purge_select rights.",
                id="core.E004",
            )
        host = urlsplit(getattr(settings, "NEWSDESK_FASTLY_API_URL", FASTLY_API)).hostname
    else:
        try:
            parts.port  # noqa: B018 - raises on a port that is not a number
        except ValueError:
            return Error(
                f"NEWSDESK_PURGE_URLS entry {label!r} has a port that is not a number.",
                hint=HINT,
                id="core.E001",
            )
        host = parts.hostname
    if not _resolves(host or ""):
        return Error(
            f"NEWSDESK_PURGE_URLS entry {label}: its host {host!r} does not resolve, so this "
            "edge could never be purged.",
            hint="Correct the host name, or add it to DNS (or /etc/hosts).",
            id="core.E003",
        )
    return None


def _resolves(host: str) -> bool:
    if not host:
        return False
    try:
        socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError):
        return False
    return True


@register()
def language_check(app_configs=None, **kwargs) -> list:
    """NEWSDESK_LANGUAGE, NEWSDESK_DIGITS and NEWSDESK_CALENDAR (docs/operations.md,
    "Languages"): a value that would show English or Latin digits without saying why."""
    from .l10n import CALENDAR_LANGUAGES, CALENDARS, DIGITS, base_language

    problems = []
    codes = [code for code, _ in settings.LANGUAGES]
    if settings.LANGUAGE_CODE not in codes:
        problems.append(
            Error(
                f"NEWSDESK_LANGUAGE={settings.LANGUAGE_CODE!r} is not a language of this site.",
                hint=f"Use one of {', '.join(codes)} (settings.LANGUAGES).",
                id="core.E020",
            )
        )
    if settings.NEWSDESK_DIGITS and settings.NEWSDESK_DIGITS not in DIGITS:
        problems.append(
            Error(
                f"NEWSDESK_DIGITS={settings.NEWSDESK_DIGITS!r} is not a kind of digits we write.",
                hint=f"Use one of {', '.join(DIGITS)}, or leave it empty for the language's own.",
                id="core.E021",
            )
        )
    calendar = settings.NEWSDESK_CALENDAR
    if calendar not in CALENDARS:
        problems.append(
            Error(
                f"NEWSDESK_CALENDAR={calendar!r} is not a calendar we show.",
                hint=f"Use one of {', '.join(CALENDARS)}.",
                id="core.E022",
            )
        )
    elif base_language(settings.LANGUAGE_CODE) not in CALENDAR_LANGUAGES.get(
        calendar, (base_language(settings.LANGUAGE_CODE),)
    ):
        problems.append(
            Warning(
                f"NEWSDESK_CALENDAR={calendar} is used on Persian sites only; this site's "
                f"language is {settings.LANGUAGE_CODE}, so its dates stay Gregorian.",
                id="core.W020",
            )
        )
    return problems
