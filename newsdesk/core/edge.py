"""Purges at the edge: the caches in front of the origin (Varnish, Fastly) forget exactly the
pages that carry the purged surrogate keys.

Every entry of NEWSDESK_PURGE_URLS is one edge, purged on its own task (core/purge.py):

    http://varnish-1:6081       Varnish with deploy/varnish/newsdesk.vcl (the xkey convention):
                                `PURGE /` with `xkey-purge: k1 k2`, answered with the count
    fastly://SERVICE_ID         Fastly's purge API: `POST /service/SERVICE_ID/purge` with
                                `Surrogate-Key: k1 k2` and NEWSDESK_FASTLY_TOKEN

Purges are hard: a purged copy is gone, not kept as stale (an unpublished story must not
linger). A failure raises EdgePurgeError, which the task runner retries and then turns into an
admin alarm; the message names the edge and what to check, never a token or a password.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import requests
from django.conf import settings

# Varnish refuses a request header longer than 8 KB (http_req_hdr_len); stay well under it.
MAX_HEADER_BYTES = 7_500
# Fastly takes up to 256 keys in one purge request.
FASTLY_MAX_KEYS = 256
FASTLY_API = "https://api.fastly.com"
SCHEMES = ("http", "https", "fastly")
# A key travels in a space-separated header: printable ASCII, no space and no comma.
_KEY = re.compile(r"^[\x21-\x2b\x2d-\x7e]+$")
_FASTLY_SERVICE = re.compile(r"^[A-Za-z0-9]+$")


class EdgePurgeError(Exception):
    """An edge did not take a purge (unreachable, refused, or a setting is wrong)."""


def purge_urls() -> list[str]:
    """The edges to purge (NEWSDESK_PURGE_URLS), each a base URL without a trailing slash."""
    return [url.strip().rstrip("/") for url in settings.NEWSDESK_PURGE_URLS if url.strip()]


def edge_label(base_url: str) -> str:
    """`base_url` as it may be shown to an operator: without any user or password in it."""
    parts = urlsplit(base_url)
    if parts.scheme == "fastly":
        return f"fastly://{parts.netloc.rpartition('@')[2]}"  # a service id: its case matters
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{parts.scheme}://{host}{f':{port}' if port else ''}"


def edge_purge(*, base_url: str, keys: list[str], timeout: float = 10.0) -> int:
    """Purge `keys` at the edge `base_url`, in as many requests as the header size allows.
    Returns how many objects Varnish removed (for Fastly: how many keys it took)."""
    keys = sorted(set(keys))
    bad = [key for key in keys if not _KEY.match(key)]
    if bad:
        raise ValueError(f"Surrogate keys are printable ASCII without spaces or commas: {bad}")
    if not keys:
        return 0
    scheme = urlsplit(base_url).scheme
    if scheme == "fastly":
        return sum(
            _fastly_purge(base_url, batch, timeout) for batch in key_batches(keys, FASTLY_MAX_KEYS)
        )
    if scheme in ("http", "https"):
        return sum(_varnish_purge(base_url, batch, timeout) for batch in key_batches(keys))
    raise EdgePurgeError(
        f"NEWSDESK_PURGE_URLS has {edge_label(base_url)!r}, which is neither an http(s):// edge "
        "nor fastly://SERVICE_ID: correct the setting (`newsdesk check` lists every problem)."
    )


def key_batches(keys: list[str], max_keys: int | None = None) -> Iterator[list[str]]:
    """`keys` in groups whose space-separated header stays under MAX_HEADER_BYTES."""
    batch: list[str] = []
    size = 0
    for key in keys:
        length = len(key.encode()) + 1
        if batch and (size + length > MAX_HEADER_BYTES or len(batch) == max_keys):
            yield batch
            batch, size = [], 0
        batch.append(key)
        size += length
    if batch:
        yield batch


def _send(method: str, url: str, label: str, timeout: float, **kwargs) -> requests.Response:
    try:
        return requests.request(method, url, timeout=timeout, allow_redirects=False, **kwargs)
    except requests.Timeout:
        raise EdgePurgeError(
            f"Edge cache {label} did not answer the purge within {timeout:g} s: check that it "
            "runs and that this server can reach it; the purge is retried."
        ) from None
    except requests.ConnectionError:
        raise EdgePurgeError(
            f"Edge cache {label} could not be reached for a purge (connection failed): check that "
            "it runs and that its address in NEWSDESK_PURGE_URLS is right; the purge is retried."
        ) from None
    except requests.RequestException as error:
        raise EdgePurgeError(
            f"Edge cache {label} could not be sent the purge ({type(error).__name__}): check its "
            "address in NEWSDESK_PURGE_URLS; the purge is retried."
        ) from None


def _varnish_purge(base_url: str, keys: list[str], timeout: float) -> int:
    label = edge_label(base_url)
    response = _send(
        "PURGE", f"{base_url.rstrip('/')}/", label, timeout, headers={"xkey-purge": " ".join(keys)}
    )
    if response.status_code == 403:
        raise EdgePurgeError(
            f"Edge cache {label} refused the purge (403): add this server's address to the "
            "`purgers` ACL of its VCL (deploy/varnish/newsdesk.vcl)."
        )
    if not 200 <= response.status_code < 300:
        raise EdgePurgeError(
            f"Edge cache {label} answered the purge with {response.status_code} "
            f"{response.reason}: is it a Varnish running deploy/varnish/newsdesk.vcl (with the "
            "xkey vmod)? The purge is retried."
        )
    try:
        return int(response.headers.get("xkey-purged", 0))
    except ValueError:
        return 0


def _fastly_purge(base_url: str, keys: list[str], timeout: float) -> int:
    service = urlsplit(base_url).netloc
    label = f"Fastly service {service}"
    token = settings.NEWSDESK_FASTLY_TOKEN
    if not token:
        raise EdgePurgeError(
            f"{label} cannot be purged: NEWSDESK_FASTLY_TOKEN is not set (an API token with "
            "purge_select rights)."
        )
    api = getattr(settings, "NEWSDESK_FASTLY_API_URL", FASTLY_API).rstrip("/")
    response = _send(
        "POST",
        f"{api}/service/{service}/purge",
        label,
        timeout,
        headers={
            "Fastly-Key": token,
            "Surrogate-Key": " ".join(keys),
            "Accept": "application/json",
        },
    )
    if response.status_code in (401, 403):
        raise EdgePurgeError(
            f"{label} refused the purge ({response.status_code}): check that "
            "NEWSDESK_FASTLY_TOKEN is valid and may purge this service (purge_select)."
        )
    if response.status_code == 404:
        raise EdgePurgeError(
            f"{label} is unknown to Fastly (404): check the service id in NEWSDESK_PURGE_URLS."
        )
    if not 200 <= response.status_code < 300:
        raise EdgePurgeError(
            f"{label} answered the purge with {response.status_code} {response.reason}; "
            "the purge is retried."
        )
    return len(keys)
