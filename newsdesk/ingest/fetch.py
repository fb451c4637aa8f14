"""Downloads from outside, with the address, size and time limits every fetch needs.

Server-side request forgery is refused at three points, so that neither a redirect nor a DNS
answer that changes between the check and the connection (rebinding) gets through:

1. every hop of a redirect chain is checked again (redirects are followed here, not by requests);
2. every address the host name resolves to must be public, not only the first;
3. the connection goes to the address that was checked (never resolved a second time), and the
   address of the socket actually connected (`getpeername()`) is checked once more.

Only a source an administrator marked "allow private network" may reach private, loopback,
link-local or reserved addresses. An IPv6 address that carries an IPv4 address (IPv4-mapped or
-translated, NAT64, 6to4, Teredo) is judged by that IPv4 address as well.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

USER_AGENT = "Newsdesk-ingest/1.0 (+https://github.com/newsdesk)"
REDIRECT_CODES = {301, 302, 303, 307, 308}
# Certificates are always verified; this is the CA bundle (True: certifi's), a path in tests.
CA_BUNDLE: bool | str = True


class FetchError(Exception):
    """The download failed; the message says why, for the editor reading the source's health."""


class FetchRefused(FetchError):
    """The address is not one we fetch from (private network, wrong scheme)."""


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int = 10 * 1024 * 1024
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    deadline: float = 30.0  # the whole download, redirects included
    max_redirects: int = 5


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str  # after redirects
    status: int  # 200, or 304 when the conditional request says nothing changed
    content: bytes = b""
    content_type: str = ""
    etag: str = ""
    last_modified: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


# IPv6 forms that carry an IPv4 address: whoever connects to them reaches that IPv4 address
# (through the host's own stack, a NAT64 gateway or a relay), so it is the one judged.
_IPV4_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")  # ::ffff:a.b.c.d
_IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # ::ffff:0:a.b.c.d (SIIT)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # the well-known NAT64 prefix (RFC 6052)
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")  # 2002:aabb:ccdd:: (RFC 3056)
_TEREDO = ipaddress.IPv6Network("2001::/32")  # server and (inverted) client (RFC 4380)
# Refused whatever they hold: IPv4-compatible ::a.b.c.d is deprecated (RFC 4291) and no public
# server uses it; a local-use NAT64 prefix (RFC 8215) is local by definition and may place the
# IPv4 address anywhere in the address.
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (mapped, translated, NAT64, 6to4, Teredo)."""
    low = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _IPV4_MAPPED or address in _IPV4_TRANSLATED or address in _NAT64:
        return [low]
    if address in _SIX_TO_FOUR:
        return [address.sixtofour]
    if address in _TEREDO:
        return list(address.teredo)
    return []


def refusal_reason(ip: str) -> str | None:
    """Why the address is not one we fetch from, or None for a public unicast address.

    Every address that is not globally routable is refused (private, loopback, link-local,
    site-local, unique-local, shared, reserved, documentation, multicast...), and an IPv6
    address that embeds an IPv4 address is judged by the IPv4 address too.
    """
    address = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address):
        if address.is_loopback or address.is_unspecified:
            return "is a loopback or unspecified address"
        if address in _IPV4_COMPATIBLE:
            return "is an IPv4-compatible address, a deprecated form"
        if address in _LOCAL_NAT64:
            return "is in the local-use NAT64 prefix"
        if address.is_site_local:  # fec0::/10: deprecated, yet is_global says True
            return "is a site-local address"
        for inner in embedded_ipv4(address):
            if reason := refusal_reason(str(inner)):
                return f"carries the IPv4 address {inner}, which {reason}"
        if address in _IPV4_MAPPED or address in _IPV4_TRANSLATED or address in _NAT64:
            return None  # only a way to reach the (public) IPv4 address inside it
    if address.is_multicast:
        return "is a multicast address"
    if not address.is_global:
        return "is on a private, loopback, link-local or reserved network"
    return None


def address_allowed(ip: str) -> bool:
    """A public unicast address, after unwrapping any IPv4 address an IPv6 address embeds."""
    return refusal_reason(ip) is None


def check_address(ip: str, *, allow_private: bool) -> None:
    if not allow_private and not address_allowed(ip):
        reason = refusal_reason(ip) or "is not a public address"
        raise FetchRefused(
            f"The address {ip} {reason}; only a source an administrator allows to reach "
            "private networks may fetch from it."
        )


def resolve(host: str, port: int, *, allow_private: bool) -> str:
    """Every address the name resolves to is checked; the first one is the one we connect to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"The host name {host!r} cannot be resolved ({exc}).") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise FetchError(f"The host name {host!r} has no address.")
    for address in addresses:
        check_address(address, allow_private=allow_private)
    return addresses[0]


class _PinnedMixin:
    """Connects to the address checked beforehand, then checks the peer actually connected."""

    pinned_ip: str = ""
    allow_private: bool = False

    def _new_conn(self):
        # urllib3 connects to `_dns_host`; pointing it at the checked IP for the connect alone
        # means no second lookup, while `host` (TLS server name, certificate check and the
        # Host header) stays the name from the address.
        name = self._dns_host
        self._dns_host = self.pinned_ip
        try:
            sock = super()._new_conn()
        finally:
            self._dns_host = name
        try:
            peer = sock.getpeername()[0]
            check_address(peer, allow_private=self.allow_private)
        except BaseException:
            sock.close()
            raise
        return sock


class _PinnedHTTPConnection(_PinnedMixin, HTTPConnection):
    pass


class _PinnedHTTPSConnection(_PinnedMixin, HTTPSConnection):
    pass


class _PinnedAdapter(HTTPAdapter):
    def __init__(self, *, pinned_ip: str, allow_private: bool):
        attrs = {"pinned_ip": pinned_ip, "allow_private": allow_private}
        http_conn = type("Conn", (_PinnedHTTPConnection,), attrs)
        https_conn = type("Conn", (_PinnedHTTPSConnection,), attrs)
        self._pools = {
            "http": type("Pool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
            "https": type("Pool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
        }
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pools


def fetch(
    url: str,
    *,
    allow_private: bool = False,
    etag: str = "",
    last_modified: str = "",
    limits: Limits | None = None,
) -> FetchResult:
    """GET `url` within the limits, following redirects ourselves and checking each hop."""
    limits = limits or Limits()
    deadline = time.monotonic() + limits.deadline
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    for _hop in range(limits.max_redirects + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchRefused(f"Only http and https addresses are fetched, not {url[:200]!r}.")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        ip = resolve(parts.hostname, port, allow_private=allow_private)
        response = _get(
            url,
            ip=ip,
            headers=headers,
            allow_private=allow_private,
            limits=limits,
            deadline=deadline,
        )
        with response:
            if response.status_code in REDIRECT_CODES and response.headers.get("Location"):
                url = urljoin(url, response.headers["Location"])
                continue
            if response.status_code == 304:
                return FetchResult(url=url, status=304, etag=etag, last_modified=last_modified)
            if response.status_code != 200:
                raise FetchError(
                    f"The server answered {response.status_code} "
                    f"{response.reason or ''} for {url[:200]}.".replace("  ", " ")
                )
            content = _read(response, limits=limits, deadline=deadline)
            return FetchResult(
                url=url,
                status=200,
                content=content,
                content_type=response.headers.get("Content-Type", ""),
                etag=response.headers.get("ETag", ""),
                last_modified=response.headers.get("Last-Modified", ""),
            )
    raise FetchError(f"More than {limits.max_redirects} redirects; the last went to {url[:200]}.")


def post(
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    allow_private: bool = False,
    limits: Limits | None = None,
) -> tuple[int, bytes]:
    """POST `body` to `url` with the same address checks as `fetch` (webhooks use it): the
    status and at most 4 KB of the answer. Redirects are not followed (a receiver that moved
    must be registered again), so a 3xx comes back as it is."""
    limits = limits or Limits()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchRefused(f"Only http and https addresses are used, not {url[:200]!r}.")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    ip = resolve(parts.hostname, port, allow_private=allow_private)
    session = requests.Session()
    session.trust_env = False
    adapter = _PinnedAdapter(pinned_ip=ip, allow_private=allow_private)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    try:
        with session.post(
            url,
            data=body,
            headers={"User-Agent": USER_AGENT, **headers},
            timeout=(limits.connect_timeout, limits.read_timeout),
            stream=True,
            allow_redirects=False,
            verify=CA_BUNDLE,
        ) as response:
            # The answer matters only for the delivery log: its first 4 KB, never more.
            return response.status_code, response.raw.read(4096, decode_content=True) or b""
    except requests.Timeout:
        raise FetchError(f"{parts.hostname} did not answer in time.") from None
    except requests.RequestException as exc:
        raise FetchError(f"The request to {url[:200]} failed ({_short(exc)}).") from None
    finally:
        session.close()


def _get(url, *, ip, headers, allow_private, limits, deadline) -> requests.Response:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchError(f"The download took longer than {limits.deadline:g} seconds.")
    session = requests.Session()
    session.trust_env = False  # no proxies or .netrc from the environment
    adapter = _PinnedAdapter(pinned_ip=ip, allow_private=allow_private)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    timeout = (min(limits.connect_timeout, remaining), min(limits.read_timeout, remaining))
    try:
        return session.get(
            url,
            headers=headers,
            timeout=timeout,
            stream=True,
            allow_redirects=False,
            verify=CA_BUNDLE,
        )
    except requests.Timeout:
        raise FetchError(f"{urlsplit(url).hostname} did not answer in time.") from None
    except requests.RequestException as exc:
        raise FetchError(f"The download of {url[:200]} failed ({_short(exc)}).") from None
    finally:
        session.close()


def _read(response: requests.Response, *, limits: Limits, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise FetchError(
            f"The document is {int(declared):,} bytes; at most {limits.max_bytes:,} are downloaded."
        )
    chunks: list[bytes] = []
    size = 0
    raw = response.raw
    try:
        while True:
            if time.monotonic() > deadline:
                raise FetchError(f"The download took longer than {limits.deadline:g} seconds.")
            # read1 returns what has arrived instead of waiting for a full buffer, so a server
            # that drips bytes meets the deadline above; sizes count decompressed bytes.
            chunk = raw.read1(64 * 1024, decode_content=True)
            if not chunk:  # end of the body
                break
            size += len(chunk)
            if size > limits.max_bytes:
                raise FetchError(
                    f"The document is larger than {limits.max_bytes:,} bytes; "
                    "the download was stopped."
                )
            chunks.append(chunk)
    except (requests.RequestException, OSError) as exc:
        raise FetchError(f"The download was cut off ({_short(exc)}).") from None
    except Exception as exc:  # urllib3's ReadTimeoutError, ProtocolError, DecodeError
        if isinstance(exc, FetchError):
            raise
        raise FetchError(f"The download was cut off ({_short(exc)}).") from None
    return b"".join(chunks)


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__
