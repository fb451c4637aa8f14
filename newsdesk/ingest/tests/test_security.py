"""Security regressions of the ingest app: a section per finding, each test failing before its fix.

Like Django's tests for its CVEs, this module grows with every finding; a section names the
finding (issue 12, red-team pass) and the rule it guards. docs/security.md refers to it.
"""

from __future__ import annotations

import socket

import pytest

from newsdesk.ingest import fetch as fetch_module
from newsdesk.ingest.fetch import FetchRefused, address_allowed, check_address, fetch

from .server import WireServer

# --- issue 12, finding 1: SSRF through IPv6 forms that embed an IPv4 address ---------------------

# Each embeds (or is) an address inside the host or its network: the metadata service
# 169.254.169.254, 10.0.0.1, loopback.
EMBEDDED_PRIVATE = [
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "::127.0.0.1",  # IPv4-compatible
    "::a00:1",  # IPv4-compatible 10.0.0.1
    "::808:808",  # IPv4-compatible, even of a public address: a deprecated form
    "::ffff:0:a00:1",  # IPv4-translated 10.0.0.1
    "::ffff:0:a9fe:a9fe",  # IPv4-translated 169.254.169.254
    "::ffff:169.254.169.254",  # IPv4-mapped
    "fec0::1",  # site-local
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo (client 192.0.2.45)
    "64:ff9b:1::a00:1",  # local-use NAT64 prefix
    "fe80::1%eth0",  # link-local with a zone
]


@pytest.mark.parametrize("ip", EMBEDDED_PRIVATE)
def test_ipv6_forms_of_private_addresses_are_refused(ip):
    assert not address_allowed(ip)
    with pytest.raises(FetchRefused, match="administrator allows"):
        check_address(ip, allow_private=False)


def test_the_refusal_names_the_embedded_ipv4_address():
    with pytest.raises(FetchRefused, match=r"carries the IPv4 address 169\.254\.169\.254"):
        check_address("64:ff9b::a9fe:a9fe", allow_private=False)


@pytest.mark.parametrize(
    "ip",
    ["64:ff9b::808:808", "::ffff:8.8.8.8", "2002:808:808::1", "2606:4700:4700::1111"],
)
def test_ipv6_forms_of_public_addresses_stay_allowed(ip):
    assert address_allowed(ip)


def test_a_name_resolving_to_a_nat64_form_of_the_metadata_service_is_refused(monkeypatch):
    def getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("64:ff9b::a9fe:a9fe", port, 0, 0))]

    monkeypatch.setattr(fetch_module.socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(FetchRefused, match="169.254.169.254"):
        fetch("http://wire.example/feed")


@pytest.mark.parametrize("target", ["64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::", "::ffff:0:a00:1"])
def test_a_redirect_to_an_ipv6_form_of_a_private_address_is_refused_at_that_hop(
    monkeypatch, target
):
    # The feed server itself counts as public here; its redirect must still be checked.
    real = fetch_module.address_allowed
    monkeypatch.setattr(fetch_module, "address_allowed", lambda ip: ip == "127.0.0.1" or real(ip))
    with WireServer() as server:
        url = server.add(
            "/moved", status=302, headers={"Location": f"http://[{target}]/latest/"}, body=b""
        )
        with pytest.raises(FetchRefused, match="administrator allows"):
            fetch(url)
        assert [path for path, _headers in server.requests] == ["/moved"]
