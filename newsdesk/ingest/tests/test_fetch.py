import socket

import pytest

from newsdesk.ingest import fetch as fetch_module
from newsdesk.ingest.fetch import FetchError, FetchRefused, Limits, address_allowed, fetch

from .server import Route, WireServer


@pytest.fixture(scope="module")
def server():
    with WireServer() as srv:
        yield srv


@pytest.fixture
def loopback_is_public(monkeypatch):
    """Pretend 127.0.0.1 is a public address, as if our test server were on the internet."""
    real = fetch_module.address_allowed

    def allowed(ip: str) -> bool:
        return ip == "127.0.0.1" or real(ip)

    monkeypatch.setattr(fetch_module, "address_allowed", allowed)


@pytest.mark.parametrize(
    "ip",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",  # noqa: S104
        "100.64.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "224.0.0.1",
        "240.0.0.1",
    ],
)
def test_private_loopback_link_local_and_reserved_addresses_are_not_allowed(ip):
    assert not address_allowed(ip)


@pytest.mark.parametrize("ip", ["93.184.216.34", "2606:4700:4700::1111", "8.8.8.8"])
def test_public_addresses_are_allowed(ip):
    assert address_allowed(ip)


def test_loopback_is_refused_without_the_administrators_allowance(server):
    url = server.add("/feed-refused", body=b"<rss/>")
    before = len(server.requests)
    with pytest.raises(FetchRefused, match="private, loopback"):
        fetch(url)
    assert len(server.requests) == before  # refused before connecting


def test_a_source_allowed_private_networks_fetches_from_loopback(server):
    url = server.add("/feed-ok", body=b"<rss>ok</rss>", etag='"v1"')
    result = fetch(url, allow_private=True)
    assert (result.status, result.content, result.etag) == (200, b"<rss>ok</rss>", '"v1"')


def test_conditional_request_answers_not_modified(server):
    url = server.add("/feed-etag", body=b"<rss>1</rss>", etag='"abc"')
    since = "Tue, 13 Apr 2021 22:10:00 GMT"
    result = fetch(url, allow_private=True, etag='"abc"', last_modified=since)
    assert result.not_modified
    path, headers = server.requests[-1]
    assert headers["If-None-Match"] == '"abc"'
    assert headers["If-Modified-Since"] == since


def test_every_address_a_name_resolves_to_is_checked(monkeypatch):
    def getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(fetch_module.socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(FetchRefused, match="10.0.0.7"):
        fetch("http://wire.example/feed")


def test_the_request_names_the_host_while_connecting_to_the_checked_address(server, monkeypatch):
    # wire.example resolves (here) to the test server; the request must still say Host:
    # wire.example, and TLS would check the certificate for that name, not for the address.
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "wire.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(fetch_module.socket, "getaddrinfo", getaddrinfo)
    port = server.httpd.server_address[1]
    server.add("/named", body=b"<rss/>")
    result = fetch(f"http://wire.example:{port}/named", allow_private=True)
    assert result.content == b"<rss/>"
    assert server.requests[-1][1]["Host"] == f"wire.example:{port}"


def test_redirect_to_a_private_address_is_refused_at_that_hop(server, loopback_is_public):
    url = server.add(
        "/moved", status=302, headers={"Location": "http://169.254.169.254/latest/"}, body=b""
    )
    with pytest.raises(FetchRefused, match="169.254.169.254"):
        fetch(url)


def test_redirects_are_followed_and_checked_each_hop(server, loopback_is_public):
    server.add("/final", body=b"<rss>final</rss>")
    url = server.add("/hop", status=301, headers={"Location": "/final"}, body=b"")
    result = fetch(url)
    assert result.content == b"<rss>final</rss>"
    assert result.url == server.url("/final")


def test_too_many_redirects_is_an_error(server, loopback_is_public):
    url = server.add("/loop", status=302, headers={"Location": "/loop"}, body=b"")
    with pytest.raises(FetchError, match="redirects"):
        fetch(url, limits=Limits(max_redirects=2))


def test_the_address_actually_connected_to_is_checked(server, monkeypatch):
    # Even if the name check were fooled (DNS rebinding between check and connect), the
    # connected socket's peer address is checked before a byte is sent.
    monkeypatch.setattr(fetch_module, "resolve", lambda host, port, allow_private: "127.0.0.1")
    url = server.add("/rebind", body=b"secret")
    before = len(server.requests)
    with pytest.raises(FetchRefused, match="127.0.0.1"):
        fetch(url)
    assert len(server.requests) == before


def test_only_http_and_https_are_fetched():
    with pytest.raises(FetchRefused, match="http and https"):
        fetch("file:///etc/passwd", allow_private=True)


def test_a_declared_size_over_the_limit_is_refused_before_reading(server):
    url = server.add("/big", body=b"x" * 5000)
    with pytest.raises(FetchError, match="at most 1,000"):
        fetch(url, allow_private=True, limits=Limits(max_bytes=1000))


def test_a_body_without_length_stops_at_the_limit(server):
    url = server.add("/big-stream", body=b"x" * 200_000, chunked=True)
    with pytest.raises(FetchError, match="larger than 100,000"):
        fetch(url, allow_private=True, limits=Limits(max_bytes=100_000))


def test_a_server_that_drips_bytes_meets_the_total_deadline(server):
    url = server.add("/drip", body=b"x" * 1000, drip=0.05)
    with pytest.raises(FetchError, match="longer than 0.3 seconds"):
        fetch(url, allow_private=True, limits=Limits(deadline=0.3, read_timeout=1))


def test_an_error_status_is_reported_with_the_address(server):
    with pytest.raises(FetchError, match="answered 404"):
        fetch(server.url("/nowhere"), allow_private=True)


def test_gzip_bodies_are_decompressed_and_counted_decompressed(server):
    import gzip

    url = server.add(
        "/gz", Route(body=gzip.compress(b"y" * 50_000), headers={"Content-Encoding": "gzip"})
    )
    assert fetch(url, allow_private=True).content == b"y" * 50_000
    with pytest.raises(FetchError, match="larger than"):
        fetch(url, allow_private=True, limits=Limits(max_bytes=10_000))


def _tls_server(tmp_path, name: str):
    """An HTTPS server on 127.0.0.1 with a self-signed certificate for `name`."""
    import datetime
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    srv = WireServer()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    srv.httpd.socket = context.wrap_socket(srv.httpd.socket, server_side=True)
    return srv, cert_file


@pytest.fixture
def wire_example_is_local(monkeypatch):
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "wire.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(fetch_module.socket, "getaddrinfo", getaddrinfo)


def test_https_checks_the_certificate_for_the_host_name(
    tmp_path, monkeypatch, wire_example_is_local
):
    srv, cert_file = _tls_server(tmp_path, "wire.example")
    monkeypatch.setattr(fetch_module, "CA_BUNDLE", str(cert_file))
    with srv:
        srv.add("/tls", body=b"<rss>tls</rss>")
        port = srv.httpd.server_address[1]
        result = fetch(f"https://wire.example:{port}/tls", allow_private=True)
    assert result.content == b"<rss>tls</rss>"


def test_https_with_a_certificate_for_another_name_fails(
    tmp_path, monkeypatch, wire_example_is_local
):
    srv, cert_file = _tls_server(tmp_path, "other.example")
    monkeypatch.setattr(fetch_module, "CA_BUNDLE", str(cert_file))
    with srv:
        srv.add("/tls", body=b"<rss>tls</rss>")
        port = srv.httpd.server_address[1]
        with pytest.raises(FetchError, match="failed"):
            fetch(f"https://wire.example:{port}/tls", allow_private=True)
