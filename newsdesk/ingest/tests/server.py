"""A local HTTP server on 127.0.0.1 for fetch and polling tests: nothing reaches the internet."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str = ""
    drip: float = 0.0  # seconds between single bytes: a server that never quite finishes
    chunked: bool = False  # no Content-Length


class WireServer:
    def __init__(self):
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append((self.path, dict(self.headers)))
                route = server.routes.get(self.path)
                if route is None:
                    self._send(404, b"not here", "text/plain")
                    return
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                headers = dict(route.headers)
                if route.etag:
                    headers["ETag"] = route.etag
                self._send(route.status, route.body, route.content_type, headers, route)

            def _send(self, status, body, content_type, headers=None, route=None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                chunked = route is not None and (route.chunked or route.drip)
                if chunked:
                    self.send_header("Connection", "close")
                else:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    if route is not None and route.drip:
                        for i in range(len(body)):
                            self.wfile.write(body[i : i + 1])
                            self.wfile.flush()
                            time.sleep(route.drip)
                    else:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                if chunked:
                    self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, route: Route | None = None, **kwargs) -> str:
        self.routes[path] = route or Route(**kwargs)
        return self.url(path)

    def add_fixture(self, path: str, name: str, **kwargs) -> str:
        return self.add(path, body=(FIXTURES / name).read_bytes(), **kwargs)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
