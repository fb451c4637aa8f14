"""Pages rendered for the mirror as an anonymous reader sees them, through Django's own handler.

Each request goes through the whole middleware stack, as a reader's would, but in process: no
server, no page cache (every file is what the site shows now), no cookie. The surrogate keys of
what each response shows are collected while it renders (core/surrogate.py), the same keys
the purges name. Signals of a request's end are not sent: they would close the database
connection a long export or a task's transaction is using.
"""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes, urlsplit

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIRequest
from django.http.request import validate_host
from django.urls import ResolverMatch, set_urlconf

from newsdesk.core.surrogate import collecting

from .lists import Cursor, ListSpec, cursor_text, list_page


@dataclass(frozen=True)
class Rendered:
    status: int
    content_type: str
    body: bytes
    keys: frozenset[str]
    location: str | None = None


class _Handler(BaseHandler):
    """Django's request handler; a request may name the view itself (the mirror's list pages,
    which have no address on the origin)."""

    def resolve_request(self, request):
        view = getattr(request, "mirror_view", None)
        if view is None:
            return super().resolve_request(request)
        match = ResolverMatch(view, (), request.mirror_kwargs, url_name="mirror-list-page")
        request.resolver_match = match
        return match


class Renderer:
    def __init__(self):
        self.handler = _Handler()
        self.handler.load_middleware()
        origin = urlsplit(settings.NEWSDESK_SITE_URL)
        self.scheme = origin.scheme or "http"
        name, port = origin.hostname or "localhost", origin.port
        if not validate_host(name, settings.ALLOWED_HOSTS):
            # The origin's public name may be answered by a proxy in front; any allowed name
            # does, since pages build absolute links from NEWSDESK_SITE_URL, not the request.
            allowed = [h for h in settings.ALLOWED_HOSTS if h and "*" not in h and h[0] != "."]
            if allowed:
                name, port = allowed[0].strip("[]"), None
        self.server_name = name
        self.server_port = str(port or (443 if self.scheme == "https" else 80))
        shown_name = f"[{name}]" if ":" in name else name
        self.host = shown_name if port is None else f"{shown_name}:{port}"

    def _environ(self, path: str, query: str) -> dict:
        environ = {
            "REQUEST_METHOD": "GET",
            # WSGI: the percent-decoded path, as bytes in a latin-1 string.
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
            "QUERY_STRING": query,
            "SERVER_NAME": self.server_name,
            "SERVER_PORT": self.server_port,
            "HTTP_HOST": self.host,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": "newsdesk-mirror",
            "wsgi.url_scheme": self.scheme,
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0),
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        proxy_header = settings.SECURE_PROXY_SSL_HEADER
        if proxy_header and self.scheme == "https":
            # Behind a proxy that says so, a request is secure only with its header.
            environ[proxy_header[0]] = proxy_header[1]
        return environ

    def _run(self, request) -> Rendered:
        try:
            with collecting() as shown_keys:
                response = self.handler.get_response(request)
                body = b"".join(response) if response.streaming else response.content
        finally:
            set_urlconf(None)
        location = response.get("Location")
        return Rendered(
            status=response.status_code,
            content_type=response.get("Content-Type", "").split(";")[0].strip().lower(),
            body=body,
            keys=frozenset(shown_keys),
            location=location,
        )

    def get(self, path: str, query: str = "") -> Rendered:
        """What an anonymous reader gets at `path` (percent-encoded, as reverse() gives it)."""
        return self._run(WSGIRequest(self._environ(path, query)))

    def list_page(self, spec: ListSpec, *, anchor: Cursor, until: Cursor | None) -> Rendered:
        request = WSGIRequest(self._environ(spec.page_path(cursor_text(anchor)), ""))
        request.mirror_view = list_page
        request.mirror_kwargs = {"spec": spec, "anchor": anchor, "until": until}
        return self._run(request)
