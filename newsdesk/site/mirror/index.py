"""The mirror's index: every file the mirror holds, where it came from, and what it shows.

It lives inside the mirror, in DIR/.newsdesk-mirror/index.sqlite3 (hosts must not serve dot
folders: docs/operations.md, "Static mirror"), in SQLite through the standard library, so that
the folder alone says how to bring itself up to date:

    files       one row per file: its path in the mirror, its source (an address on the origin,
                or a list page the mirror composes), its kind, the list it belongs to, the
                surrogate keys it shows and the assets (static files, pictures) it uses
    file_keys   key -> file, to find the files that a purge of given keys touches
    assets      each copied asset and how many files use it (none: it is deleted)
    lists       home, section, keyword and author lists: their address and the head's cursor
    anchors     the cursors of each list's deeper pages (see lists.py)
    pending     keys purged but not yet applied: whoever holds the mirror's lock applies them
    meta        base URL, comment mode, the purge log position --watch has read up to

Only the process that holds the mirror's lock writes files; any process may add pending keys.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SCHEMA_VERSION = "1"
_SELECT_FILES = "SELECT id, path, source, kind, list_id, anchor, keys, assets FROM files"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    list_id TEXT,
    anchor TEXT,
    keys TEXT NOT NULL,
    assets TEXT NOT NULL,
    gen INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS files_list ON files (list_id, anchor);
CREATE INDEX IF NOT EXISTS files_kind ON files (kind);
CREATE TABLE IF NOT EXISTS file_keys (
    key TEXT NOT NULL,
    file_id INTEGER NOT NULL,
    PRIMARY KEY (key, file_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS assets (path TEXT PRIMARY KEY, refs INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lists (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    pk INTEGER NOT NULL,
    slug TEXT NOT NULL,
    base TEXT NOT NULL,
    head_next TEXT
);
CREATE TABLE IF NOT EXISTS anchors (
    list_id TEXT NOT NULL,
    cursor TEXT NOT NULL,
    PRIMARY KEY (list_id, cursor)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pending (id INTEGER PRIMARY KEY, key TEXT NOT NULL);
"""


@dataclass(frozen=True)
class FileRow:
    id: int
    path: str
    source: str
    kind: str
    list_id: str | None
    anchor: str | None
    keys: frozenset[str]
    assets: frozenset[str]


@dataclass(frozen=True)
class ListRow:
    id: str
    kind: str
    pk: int
    slug: str
    base: str
    head_next: str | None


def _split(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _joined(items: Iterable[str]) -> str:
    return " ".join(sorted(items))


class MirrorIndex:
    FOLDER = ".newsdesk-mirror"
    NAME = "index.sqlite3"

    def __init__(self, mirror_dir: Path):
        self.folder = Path(mirror_dir) / self.FOLDER
        self.path = self.folder / self.NAME
        self._db: sqlite3.Connection | None = None

    @classmethod
    def exists_in(cls, mirror_dir: Path) -> bool:
        return (Path(mirror_dir) / cls.FOLDER / cls.NAME).exists()

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            # Autocommit; transactions are explicit (`with self.transaction()`).
            db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(SCHEMA)
            self._db = db
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    # Settings of the mirror ------------------------------------------------------------------

    def meta(self, name: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return row[0] if row else default

    def meta_set(self, **values: str | None) -> None:
        with self.transaction() as db:
            for name, value in values.items():
                if value is None:
                    db.execute("DELETE FROM meta WHERE name = ?", (name,))
                else:
                    db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, str(value)))

    # Files ------------------------------------------------------------------------------------

    def _file(self, row) -> FileRow:
        return FileRow(*row[:6], keys=_split(row[6]), assets=_split(row[7]))

    def files_showing(self, keys: Iterable[str]) -> list[FileRow]:
        """Every file that shows one of `keys`."""
        keys = sorted(set(keys))
        found: dict[int, FileRow] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                _SELECT_FILES + " WHERE id IN "  # noqa: S608 - marks only
                f"(SELECT file_id FROM file_keys WHERE key IN ({marks}))",
                chunk,
            )
            for row in rows:
                found[row[0]] = self._file(row)
        return list(found.values())

    def file_by_source(self, source: str) -> FileRow | None:
        row = self.db.execute(_SELECT_FILES + " WHERE source = ?", (source,)).fetchone()
        return self._file(row) if row else None

    def file_by_path(self, path: str) -> FileRow | None:
        row = self.db.execute(_SELECT_FILES + " WHERE path = ?", (path,)).fetchone()
        return self._file(row) if row else None

    def files_of_kind(self, kind: str) -> list[FileRow]:
        rows = self.db.execute(_SELECT_FILES + " WHERE kind = ?", (kind,))
        return [self._file(row) for row in rows]

    def files_of_list(self, list_id: str) -> list[FileRow]:
        rows = self.db.execute(_SELECT_FILES + " WHERE list_id = ?", (list_id,))
        return [self._file(row) for row in rows]

    def file_paths(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT path FROM files")}

    def file_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM files").fetchone()[0]

    def file_put(
        self,
        db: sqlite3.Connection,
        *,
        path: str,
        source: str,
        kind: str,
        list_id: str | None,
        anchor: str | None,
        keys: Iterable[str],
        assets: Iterable[str],
        gen: int,
    ) -> FileRow | None:
        """Record a file as written (inside a transaction): its keys and its assets' counts.
        Returns the row of another path the same source had (its file is the caller's to
        delete): a source changes path only when what it answers changes type."""
        keys, assets = frozenset(keys), frozenset(assets)
        stale = None
        old = db.execute("SELECT id, keys, assets FROM files WHERE path = ?", (path,)).fetchone()
        if old is None:
            other = db.execute("SELECT path FROM files WHERE source = ?", (source,)).fetchone()
            if other is not None:
                stale = self.file_remove(db, other[0])
            cursor = db.execute(
                "INSERT INTO files (path, source, kind, list_id, anchor, keys, assets, gen) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    path,
                    source,
                    kind,
                    list_id,
                    anchor,
                    " ".join(sorted(keys)),
                    " ".join(assets),
                    gen,
                ),
            )
            file_id, old_keys, old_assets = cursor.lastrowid, frozenset(), frozenset()
        else:
            file_id, old_keys, old_assets = old[0], _split(old[1]), _split(old[2])
            db.execute(
                "UPDATE files SET source = ?, kind = ?, list_id = ?, anchor = ?, keys = ?, "
                "assets = ?, gen = ? WHERE id = ?",
                (
                    source,
                    kind,
                    list_id,
                    anchor,
                    _joined(keys),
                    _joined(assets),
                    gen,
                    file_id,
                ),
            )
        db.executemany(
            "DELETE FROM file_keys WHERE key = ? AND file_id = ?",
            [(key, file_id) for key in old_keys - keys],
        )
        db.executemany(
            "INSERT OR IGNORE INTO file_keys VALUES (?, ?)",
            [(key, file_id) for key in keys - old_keys],
        )
        self._refs(db, assets - old_assets, +1)
        self._refs(db, old_assets - assets, -1)
        return stale

    def file_remove(self, db: sqlite3.Connection, path: str) -> FileRow | None:
        row = db.execute(_SELECT_FILES + " WHERE path = ?", (path,)).fetchone()
        if row is None:
            return None
        removed = self._file(row)
        db.executemany(
            "DELETE FROM file_keys WHERE key = ? AND file_id = ?",
            [(key, removed.id) for key in removed.keys],
        )
        db.execute("DELETE FROM files WHERE id = ?", (removed.id,))
        self._refs(db, removed.assets, -1)
        return removed

    def files_older_than(self, gen: int) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT path FROM files WHERE gen < ?", (gen,))]

    def generation_next(self) -> int:
        gen = int(self.meta("generation", "0")) + 1
        self.meta_set(generation=str(gen))
        return gen

    # Assets -----------------------------------------------------------------------------------

    def _refs(self, db: sqlite3.Connection, paths: Iterable[str], change: int) -> None:
        for path in paths:
            db.execute(
                "INSERT INTO assets VALUES (?, ?) ON CONFLICT (path) DO UPDATE "
                "SET refs = refs + excluded.refs",
                (path, change),
            )

    def assets_unused(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT path FROM assets WHERE refs <= 0")]

    def asset_forget(self, db: sqlite3.Connection, path: str) -> None:
        db.execute("DELETE FROM assets WHERE path = ? AND refs <= 0", (path,))

    # Lists ------------------------------------------------------------------------------------

    def lists(self) -> dict[str, ListRow]:
        rows = self.db.execute("SELECT id, kind, pk, slug, base, head_next FROM lists")
        return {row[0]: ListRow(*row) for row in rows}

    def list_put(self, db: sqlite3.Connection, row: ListRow, anchors: Iterable[str]) -> None:
        db.execute(
            "INSERT OR REPLACE INTO lists VALUES (?, ?, ?, ?, ?, ?)",
            (row.id, row.kind, row.pk, row.slug, row.base, row.head_next),
        )
        db.execute("DELETE FROM anchors WHERE list_id = ?", (row.id,))
        db.executemany("INSERT INTO anchors VALUES (?, ?)", [(row.id, a) for a in anchors])

    def list_remove(self, db: sqlite3.Connection, list_id: str) -> None:
        db.execute("DELETE FROM lists WHERE id = ?", (list_id,))
        db.execute("DELETE FROM anchors WHERE list_id = ?", (list_id,))

    def anchors(self, list_id: str) -> list[str]:
        rows = self.db.execute("SELECT cursor FROM anchors WHERE list_id = ?", (list_id,))
        return [row[0] for row in rows]

    # Pending keys -----------------------------------------------------------------------------

    def pending_add(self, keys: Iterable[str]) -> None:
        with self.transaction() as db:
            db.executemany("INSERT INTO pending (key) VALUES (?)", [(k,) for k in set(keys)])

    def pending_take(self) -> set[str]:
        with self.transaction() as db:
            keys = {row[0] for row in db.execute("SELECT key FROM pending")}
            db.execute("DELETE FROM pending")
        return keys

    def pending_any(self) -> bool:
        return self.db.execute("SELECT 1 FROM pending LIMIT 1").fetchone() is not None

    def pending_clear(self) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM pending")
