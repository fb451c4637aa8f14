# ruff: noqa: S608 - SQL built from our own constants; user text only ever goes in as a parameter.
"""SQLite FTS5: an external-content index kept in step by triggers, ranked with bm25.

Layout (all tables ours):
  search_entry          the indexed text of every article (body as plain text, keyword names)
  search_fts            FTS5 over search_entry (external content, porter stemming)
  search_keyword        copy of articles_keyword (id, name)
  search_articlekeyword copy of articles_article_keywords

Why copies: SQLite checks every trigger and view when a table is renamed, and Django rebuilds a
table (create new, copy, drop, rename) for most schema changes. A trigger on one articles table
that read another articles table would make such a migration fail. So each trigger on an articles
table reads only its own NEW/OLD row and writes only to our tables; triggers on our tables do the
rest. A rebuilt articles table loses its triggers: post_migrate puts them back and re-indexes.
"""

import re
from html import unescape

from django.db.models import Exists, F, FloatField, Func, OuterRef, QuerySet, Subquery, TextField

from ..query import ParsedQuery
from ..snippets import HIT_END, HIT_START
from .base import SearchBackend

_TAG = re.compile(r"<[^>]*>")


def html_text(html: str | None) -> str:
    """Article body HTML as the words a reader sees. Deterministic: the index relies on it."""
    if not html:
        return ""
    return " ".join(unescape(_TAG.sub(" ", html)).split())


def register_functions(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "newsdesk_html_text", 1, html_text, deterministic=True
        )


# bm25 column weights: headline, summary, body, keywords.
WEIGHTS = (10.0, 4.0, 1.0, 6.0)
KEYWORDS_OF = (
    "coalesce((SELECT group_concat(name, '; ') FROM (SELECT k.name FROM search_articlekeyword ak"
    " JOIN search_keyword k ON k.id = ak.keyword_id WHERE ak.article_id = {id}"
    " ORDER BY k.name)), '')"
)

OWN_TABLES = [
    """CREATE TABLE IF NOT EXISTS search_entry (
        id INTEGER PRIMARY KEY,
        headline TEXT NOT NULL DEFAULT '',
        summary TEXT NOT NULL DEFAULT '',
        body TEXT NOT NULL DEFAULT '',
        keywords TEXT NOT NULL DEFAULT '')""",
    "CREATE TABLE IF NOT EXISTS search_keyword (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS search_articlekeyword (
        id INTEGER PRIMARY KEY, article_id INTEGER NOT NULL, keyword_id INTEGER NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS search_ak_article ON search_articlekeyword (article_id)",
    "CREATE INDEX IF NOT EXISTS search_ak_keyword ON search_articlekeyword (keyword_id)",
    """CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
        headline, summary, body, keywords,
        content='search_entry', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2', prefix='3 4 5')""",
]

_FTS_COLUMNS = "headline, summary, body, keywords"
OWN_TRIGGERS = {
    "search_entry_ai": f"""CREATE TRIGGER search_entry_ai AFTER INSERT ON search_entry BEGIN
        INSERT INTO search_fts(rowid, {_FTS_COLUMNS})
        VALUES (new.id, new.headline, new.summary, new.body, new.keywords);
    END""",
    "search_entry_ad": f"""CREATE TRIGGER search_entry_ad AFTER DELETE ON search_entry BEGIN
        INSERT INTO search_fts(search_fts, rowid, {_FTS_COLUMNS})
        VALUES ('delete', old.id, old.headline, old.summary, old.body, old.keywords);
    END""",
    "search_entry_au": f"""CREATE TRIGGER search_entry_au AFTER UPDATE ON search_entry BEGIN
        INSERT INTO search_fts(search_fts, rowid, {_FTS_COLUMNS})
        VALUES ('delete', old.id, old.headline, old.summary, old.body, old.keywords);
        INSERT INTO search_fts(rowid, {_FTS_COLUMNS})
        VALUES (new.id, new.headline, new.summary, new.body, new.keywords);
    END""",
    "search_ak_ai": f"""CREATE TRIGGER search_ak_ai AFTER INSERT ON search_articlekeyword BEGIN
        UPDATE search_entry SET keywords = {KEYWORDS_OF.format(id="new.article_id")}
        WHERE id = new.article_id;
    END""",
    "search_ak_ad": f"""CREATE TRIGGER search_ak_ad AFTER DELETE ON search_articlekeyword BEGIN
        UPDATE search_entry SET keywords = {KEYWORDS_OF.format(id="old.article_id")}
        WHERE id = old.article_id;
    END""",
    "search_keyword_au": f"""CREATE TRIGGER search_keyword_au AFTER UPDATE OF name ON search_keyword
    BEGIN
        UPDATE search_entry SET keywords = {KEYWORDS_OF.format(id="search_entry.id")}
        WHERE id IN (SELECT article_id FROM search_articlekeyword WHERE keyword_id = new.id);
    END""",
}

# Triggers on the articles tables: NEW/OLD in, our tables out, nothing else (see module doc).
ARTICLE_TRIGGERS = {
    "search_article_ai": """CREATE TRIGGER search_article_ai AFTER INSERT ON articles_article BEGIN
        INSERT INTO search_entry(id, headline, summary, body)
        VALUES (new.id, new.headline, new.summary, newsdesk_html_text(new.body))
        ON CONFLICT(id) DO UPDATE SET headline = excluded.headline, summary = excluded.summary,
            body = excluded.body;
    END""",
    "search_article_au": """CREATE TRIGGER search_article_au AFTER UPDATE OF headline, summary, body
        ON articles_article
        WHEN old.headline IS NOT new.headline OR old.summary IS NOT new.summary
            OR old.body IS NOT new.body
    BEGIN
        INSERT INTO search_entry(id, headline, summary, body)
        VALUES (new.id, new.headline, new.summary, newsdesk_html_text(new.body))
        ON CONFLICT(id) DO UPDATE SET headline = excluded.headline, summary = excluded.summary,
            body = excluded.body;
    END""",
    "search_article_ad": """CREATE TRIGGER search_article_ad AFTER DELETE ON articles_article BEGIN
        DELETE FROM search_articlekeyword WHERE article_id = old.id;
        DELETE FROM search_entry WHERE id = old.id;
    END""",
    "search_kw_ai": """CREATE TRIGGER search_kw_ai AFTER INSERT ON articles_keyword BEGIN
        INSERT INTO search_keyword(id, name) VALUES (new.id, new.name)
        ON CONFLICT(id) DO UPDATE SET name = excluded.name;
    END""",
    "search_kw_au": """CREATE TRIGGER search_kw_au AFTER UPDATE OF name ON articles_keyword
        WHEN old.name IS NOT new.name
    BEGIN
        UPDATE search_keyword SET name = new.name WHERE id = new.id;
    END""",
    "search_kw_ad": """CREATE TRIGGER search_kw_ad AFTER DELETE ON articles_keyword BEGIN
        DELETE FROM search_articlekeyword WHERE keyword_id = old.id;
        DELETE FROM search_keyword WHERE id = old.id;
    END""",
    "search_m2m_ai": """CREATE TRIGGER search_m2m_ai AFTER INSERT ON articles_article_keywords BEGIN
        INSERT INTO search_articlekeyword(id, article_id, keyword_id)
        VALUES (new.id, new.article_id, new.keyword_id);
    END""",
    "search_m2m_ad": """CREATE TRIGGER search_m2m_ad AFTER DELETE ON articles_article_keywords BEGIN
        DELETE FROM search_articlekeyword WHERE id = old.id;
    END""",
}

DROP_ALL = [
    *(f"DROP TRIGGER IF EXISTS {name}" for name in [*ARTICLE_TRIGGERS, *OWN_TRIGGERS]),
    "DROP TABLE IF EXISTS search_fts",
    "DROP TABLE IF EXISTS search_articlekeyword",
    "DROP TABLE IF EXISTS search_keyword",
    "DROP TABLE IF EXISTS search_entry",
]


def _existing_triggers(cursor) -> set[str]:
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search_%'")
    return {row[0] for row in cursor.fetchall()}


class Bm25(Func):
    function = "bm25"
    output_field = FloatField()


class Snippet(Func):
    function = "snippet"
    output_field = TextField()


class SqliteBackend(SearchBackend):
    vendor = "sqlite"

    def ensure_installed(self, connection) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'articles_article'")
            if cursor.fetchone() is None:
                return  # articles not migrated yet (migrating to zero, or a partial migrate)
            if set(ARTICLE_TRIGGERS) | set(OWN_TRIGGERS) <= _existing_triggers(cursor):
                return
        self.rebuild(connection)

    def rebuild(self, connection) -> None:
        from django.db import transaction

        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            for name in [*ARTICLE_TRIGGERS, *OWN_TRIGGERS]:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            for sql in OWN_TABLES:
                cursor.execute(sql)
            cursor.execute("DELETE FROM search_articlekeyword")
            cursor.execute("DELETE FROM search_keyword")
            cursor.execute("DELETE FROM search_entry")
            cursor.execute(
                "INSERT INTO search_keyword (id, name) SELECT id, name FROM articles_keyword"
            )
            cursor.execute(
                "INSERT INTO search_articlekeyword (id, article_id, keyword_id)"
                " SELECT id, article_id, keyword_id FROM articles_article_keywords"
            )
            cursor.execute(
                "INSERT INTO search_entry (id, headline, summary, body, keywords)"
                " SELECT a.id, a.headline, a.summary, newsdesk_html_text(a.body), "
                + KEYWORDS_OF.format(id="a.id")
                + " FROM articles_article a"
            )
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
            for sql in [*OWN_TRIGGERS.values(), *ARTICLE_TRIGGERS.values()]:
                cursor.execute(sql)

    def suspend(self, connection) -> None:
        with connection.cursor() as cursor:
            for name in ARTICLE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")

    def uninstall(self, connection) -> None:
        with connection.cursor() as cursor:
            for sql in DROP_ALL:
                cursor.execute(sql)

    @staticmethod
    def match_expression(query: ParsedQuery) -> str:
        """FTS5 query text. Every word is a quoted string: no user text is ever FTS5 syntax."""

        def clause(c) -> str:
            return '"' + " ".join(c.words) + '"' + (" *" if c.prefix else "")

        joiner = " OR " if query.match_any else " AND "
        text = "(" + joiner.join(clause(c) for c in query.include) + ")"
        if query.exclude:
            text += " NOT (" + " OR ".join(clause(c) for c in query.exclude) + ")"
        return text

    def ranked(
        self,
        articles: QuerySet,
        query: ParsedQuery,
        *,
        newest: bool = False,
        id_range: tuple[int, int] | None = None,
    ) -> QuerySet:
        """The index is read first (MATCH, then bm25), and each hit is checked against
        `articles` with a correlated EXISTS on the primary key. Written as a join instead,
        SQLite's planner (without ANALYZE statistics) may walk the articles and probe the index
        once per article: fine at a thousand stories, ruinous at 300,000."""
        from ..models import SqliteIndexEntry

        visible = articles.order_by().filter(pk=OuterRef("article_id"))
        hits = SqliteIndexEntry.objects.filter(fts__fts_match=self.match_expression(query))
        if id_range is not None:
            # On the FTS table's rowid itself: FTS5 then reads only that slice of each doclist.
            hits = hits.filter(position__range=id_range)
        hits = hits.filter(Exists(visible)).annotate(
            search_score=-Bm25(F("fts"), *(_float(w) for w in WEIGHTS))
        )
        if newest:
            hits = hits.annotate(
                published_at=Subquery(visible.values("published_at")[:1])
            ).order_by("-published_at", "-article_id")
        else:
            hits = hits.order_by("-search_score", "-article_id")
        return hits.values_list("article_id", "search_score")

    def headline_matches(
        self, query: ParsedQuery, *, id_range: tuple[int, int], limit: int
    ) -> list[int]:
        from ..models import SqliteIndexEntry

        hits = SqliteIndexEntry.objects.filter(
            fts__fts_match="headline : " + self.match_expression(query), position__range=id_range
        )
        return list(hits.order_by("-position").values_list("article_id", flat=True)[:limit])

    queries_per_search = 4
    # Ranking reads the newest matches first: the newest 2,000, else 20,000, else all of them,
    # stopping at the first window that fills the page. bm25 costs about a microsecond per match,
    # so a common word in a large archive (100,000 matches) would otherwise cost ~0.2 s.
    WINDOWS = (2_000, 20_000)

    def ranked_page(
        self,
        articles: QuerySet,
        query: ParsedQuery,
        *,
        newest: bool,
        offset: int,
        limit: int,
        id_range: tuple[int, int] | None = None,
    ) -> list[tuple[int, float]]:
        expression = self.match_expression(query)
        low, high = id_range or (0, 2**62)
        for window in (*self.WINDOWS, None):
            floor = self._window_floor(expression, window, (low, high)) if window else None
            bounds = (max(low, floor), high) if floor is not None else (low, high)
            rows = list(
                self.ranked(articles, query, newest=newest, id_range=bounds)[
                    offset : offset + limit
                ]
            )
            if floor is None or len(rows) == limit:
                return rows
        return rows

    @staticmethod
    def _window_floor(expression: str, window: int, bounds: tuple[int, int]) -> int | None:
        """The rowid of the window-th newest match (None: fewer matches than that). FTS5 walks
        its doclists backwards without ranking: cheap, about a microsecond per match skipped."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid FROM search_fts WHERE search_fts MATCH %s"
                " AND rowid BETWEEN %s AND %s ORDER BY rowid DESC LIMIT 1 OFFSET %s",
                [expression, *bounds, window - 1],
            )
            row = cursor.fetchone()
        return row[0] if row else None

    def snippets(self, ids: list[int], query: ParsedQuery) -> dict[int, str]:
        from ..models import SqliteIndexEntry

        if not ids:
            return {}
        rows = (
            SqliteIndexEntry.objects.filter(fts__fts_match=self.match_expression(query), pk__in=ids)
            # FTS5 cannot use an IN list; a rowid range it can, so it reads only that slice.
            .filter(position__range=(min(ids), max(ids)))
            .annotate(
                marked=Snippet(
                    F("fts"), _int(-1), _str(HIT_START), _str(HIT_END), _str("…"), _int(30)
                )
            )
            .values_list("pk", "marked")
        )
        return dict(rows)


def _float(value: float):
    from django.db.models import Value

    return Value(value, output_field=FloatField())


def _int(value: int):
    from django.db.models import IntegerField, Value

    return Value(value, output_field=IntegerField())


def _str(value: str):
    from django.db.models import Value

    return Value(value, output_field=TextField())
