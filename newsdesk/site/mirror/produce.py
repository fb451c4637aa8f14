"""Making one file of the mirror: render it, point its links where they belong, write it whole.

A `Producer` turns a job (an address on the origin, or a deeper list page) into a file, and
copies the assets it uses. It runs in the process holding the mirror's lock, or in the worker
processes of a parallel export; it never touches the index (the lock holder records what it
returns). A file is written only when the copy differs (the footer's time aside), always to a
temporary name first and then renamed over the old one: a host serving the folder sees the
old file or the new, never half of one.
"""

from __future__ import annotations

import html
import logging
import os
import posixpath
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.storage import default_storage

from .lists import Cursor, ListSpec, cursor_text
from .render import Renderer
from .rewrite import Links, file_path, redirect_page, same_copy

logger = logging.getLogger(__name__)

NOT_FOUND_SOURCE = "/.newsdesk-mirror/not-found/"  # no page of the site has this address
NOT_FOUND_FILE = "404.html"


@dataclass(frozen=True)
class GetJob:
    """The answer at an address on the origin."""

    path: str
    query: str = ""
    kind: str = "page"  # page | article | list | feed | sitemap | sitemap-index | robots | notfound
    list_id: str | None = None
    list_base: str | None = None
    extra_keys: frozenset[str] = frozenset()

    @property
    def source(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path


@dataclass(frozen=True)
class ListJob:
    """A deeper page of a list: the stories in [until, anchor)."""

    spec: ListSpec
    anchor: Cursor
    until: Cursor | None

    @property
    def source(self) -> str:
        return list_source(self.spec.id, cursor_text(self.anchor))


def list_source(list_id: str, anchor: str) -> str:
    return f"list:{list_id}:{anchor}"


@dataclass
class Produced:
    source: str
    kind: str
    status: str  # written | same | gone
    path: str | None = None
    list_id: str | None = None
    anchor: str | None = None
    keys: frozenset[str] = frozenset()
    assets: frozenset[str] = frozenset()
    missing: frozenset[str] = frozenset()
    next_cursor: str | None = None  # a list head's "Older stories"
    redirect_to: str | None = None  # an address on the origin this page now sends readers to
    children: list[tuple[str, str]] = field(default_factory=list)  # a sitemap index's pages


_LOC = re.compile(r"<loc>([^<]+)</loc>")
_CSS_URL = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")


class Producer:
    def __init__(self, folder: Path, *, base_url: str, comments: str):
        self.folder = Path(folder)
        self.settings = (base_url, comments)
        self.renderer = Renderer()
        self.links = Links(origin=settings.NEWSDESK_SITE_URL, base=base_url, comments=comments)
        self._assets: dict[str, frozenset[str] | None] = {}  # checked in this run: what it uses

    def begin(self) -> None:
        """A new export or update: assets are checked again (one may have been deleted)."""
        self._assets.clear()

    # Jobs -------------------------------------------------------------------------------------

    def run(self, job: GetJob | ListJob) -> Produced:
        if isinstance(job, ListJob):
            return self._list_page(job)
        return self._get(job)

    def _get(self, job: GetJob) -> Produced:
        rendered = self.renderer.get(job.path, job.query)
        produced = Produced(source=job.source, kind=job.kind, status="gone", list_id=job.list_id)
        status = rendered.status
        if job.kind == "notfound":
            if status != 404:
                raise MirrorRenderError(f"The site's 404 page answered {status}.")
            status = 200
        if status in (404, 410):
            return produced
        keys = rendered.keys | job.extra_keys
        if status in (301, 302, 307, 308) and rendered.location:
            target = self._origin_path(rendered.location)
            if self._is_asset(target):
                # A static host answers no redirect: the file itself (the site's /favicon.ico).
                found = self.asset(urlsplit(target).path)
                if found is not None:
                    body = (self.folder / unquote(urlsplit(target).path).lstrip("/")).read_bytes()
                    path = file_path(job.path, job.query, "application/octet-stream")
                    return self._done(produced, path, body, keys, set(found))
            shown = self.links.link(target, page_path=job.path)
            canonical = shown if "://" in shown else self.links.base + shown
            body = redirect_page(shown, canonical).encode()
            path = file_path(job.path, job.query, "text/html")
            produced.redirect_to = target if self.links.mirrored(urlsplit(target).path) else None
            return self._done(produced, path, body, keys, set())
        if status != 200:
            raise MirrorRenderError(f"{job.source} answered {status} on the origin.")
        text = rendered.body.decode("utf-8")
        kind = rendered.content_type
        if job.kind == "notfound":
            result = self.links.html(text, page_path="/")
            path = NOT_FOUND_FILE
        elif kind == "text/html":
            result = self.links.html(text, page_path=job.path, list_base=job.list_base)
            produced.next_cursor = result.next_cursor
            path = file_path(job.path, job.query, kind)
        elif kind.endswith("xml"):
            result = self.links.xml(text, assets=not job.kind.startswith("sitemap"))
            path = file_path(job.path, job.query, kind)
            if job.kind == "sitemap-index":
                produced.children = [
                    self._split(self._origin_path(html.unescape(loc))) for loc in _LOC.findall(text)
                ]
        else:
            result = self.links.text(text)
            path = file_path(job.path, job.query, kind)
        return self._done(produced, path, result.text.encode(), keys, result.assets)

    def _list_page(self, job: ListJob) -> Produced:
        anchor = cursor_text(job.anchor)
        rendered = self.renderer.list_page(job.spec, anchor=job.anchor, until=job.until)
        produced = Produced(
            source=job.source, kind="list", status="gone", list_id=job.spec.id, anchor=anchor
        )
        if rendered.status == 404:
            return produced
        if rendered.status != 200:
            raise MirrorRenderError(f"{job.source} answered {rendered.status}.")
        page = job.spec.page_path(anchor)
        result = self.links.html(rendered.body.decode(), page_path=page, list_base=job.spec.base)
        return self._done(
            produced, file_path(page), result.text.encode(), rendered.keys, result.assets
        )

    def _done(self, produced, path: str, body: bytes, keys, assets) -> Produced:
        used, missing = set(), set()
        for asset in assets:
            found = self.asset(asset)
            if found is None:
                missing.add(asset)
            else:
                used |= found
        produced.path = path
        produced.keys = frozenset(keys)
        produced.assets = frozenset(used)
        produced.missing = frozenset(missing)
        produced.status = "written" if self.write(path, body) else "same"
        return produced

    def _is_asset(self, path: str) -> bool:
        prefixes = [p for p in (self.links.static_url, self.links.media_url) if p]
        return any(path.startswith(prefix) for prefix in prefixes)

    def _origin_path(self, url: str) -> str:
        """A path (with its query) on the origin, from an absolute or root-relative URL."""
        for prefix in (self.links.origin, self.links.base):
            if url.startswith(prefix + "/"):
                return url[len(prefix) :]
        return url

    @staticmethod
    def _split(path: str) -> tuple[str, str]:
        path, _, query = path.partition("?")
        return path, query

    # Files ------------------------------------------------------------------------------------

    def write(self, path: str, body: bytes) -> bool:
        """Write `body` at `path` in the mirror, atomically; False when it was already there."""
        target = self.folder / path
        try:
            if same_copy(target.read_bytes(), body):
                return False
        except (FileNotFoundError, NotADirectoryError):
            pass
        _atomic_write(target, body)
        return True

    # Assets -----------------------------------------------------------------------------------

    def asset(self, url: str) -> frozenset[str] | None:
        """Copy the static file or picture at `url` (a root-relative path) into the mirror if
        it is missing or changed; what it uses (a style sheet's pictures and fonts) too.
        Returns every asset path it brings, or None when there is no such file."""
        if url in self._assets:
            return self._assets[url]
        decoded = unquote(url)
        if posixpath.normpath(decoded) != decoded or "/." in decoded:
            logger.warning("A page uses %s, which cannot be a file of the mirror.", url)
            return None  # a "..", or a dot file: never outside the folder, never the index
        self._assets[url] = frozenset({url})  # a style sheet that refers to itself stops here
        links = self.links
        found: frozenset[str] | None
        if links.static_url and url.startswith(links.static_url):
            found = self._static(url, unquote(url[len(links.static_url) :]))
        elif links.media_url and url.startswith(links.media_url):
            found = self._media(url, unquote(url[len(links.media_url) :]))
        else:
            found = None
        self._assets[url] = found
        if found is None:
            logger.warning("The mirror has no file for %s, which a page uses.", url)
        return found

    def _static(self, url: str, name: str) -> frozenset[str] | None:
        source = None
        try:
            collected = staticfiles_storage.path(name)
            source = collected if os.path.exists(collected) else None
        except NotImplementedError:
            pass
        source = source or finders.find(name)
        if not source:
            return None
        target = self.folder / unquote(url).lstrip("/")
        _copy_if_changed(Path(source), target)
        if os.path.exists(source + ".gz"):  # compressed by whitenoise: nginx's gzip_static
            _copy_if_changed(Path(source + ".gz"), target.with_name(target.name + ".gz"))
        used = {url}
        if name.endswith(".css"):
            text = Path(source).read_text(errors="replace")
            for _, ref in _CSS_URL.findall(text):
                ref = ref.split("#")[0].split("?")[0]
                if not ref or ref.startswith(("data:", "http:", "https:", "//")):
                    continue
                child = ref if ref.startswith("/") else posixpath.join(posixpath.dirname(url), ref)
                child = posixpath.normpath(child)
                more = self.asset(child)
                if more:
                    used |= more
        return frozenset(used)

    def _media(self, url: str, name: str) -> frozenset[str] | None:
        if not default_storage.exists(name):
            return None
        target = self.folder / unquote(url).lstrip("/")
        size = default_storage.size(name)
        if not (target.exists() and target.stat().st_size == size):
            with default_storage.open(name, "rb") as picture:
                _atomic_write(target, picture.read())
        return frozenset({url})


class MirrorRenderError(Exception):
    """The origin answered what a mirror cannot hold (an error): nothing is deleted for it."""


def _atomic_write(target: Path, body: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        with open(temporary, "wb") as out:
            out.write(body)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _copy_if_changed(source: Path, target: Path) -> None:
    stat = source.stat()
    try:
        kept = target.stat()
        if kept.st_size == stat.st_size and int(kept.st_mtime) == int(stat.st_mtime):
            return
    except FileNotFoundError:
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        shutil.copy2(source, temporary)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def remove_file(folder: Path, path: str) -> bool:
    """Delete a file of the mirror and the folders it leaves empty."""
    target = Path(folder) / path
    try:
        target.unlink()
    except FileNotFoundError:
        return False
    parent, root = target.parent, Path(folder)
    while parent != root and root in parent.parents:
        try:
            parent.rmdir()
        except OSError:
            break
        parent = parent.parent
    return True
