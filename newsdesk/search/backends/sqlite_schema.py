# ruff: noqa: S608 - SQL built from our own constants; user text only ever goes in as a parameter.
"""SQLite FTS5: the tables, and the triggers that keep them in step with the articles.

Layout (all tables ours):
  search_entry          the indexed text of every article (body as plain text, keyword names)
  search_fts            FTS5 over search_entry (external content, porter stemming): words, phrases
  search_raw            FTS5 over search_entry, words as written (no stemming, positions not kept,
                        prefix indexes): prefix* clauses, which must match the start of a word as
                        the reader sees it ("governm*" finds "government", stemmed to "govern")
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

from ..query import fold

_TAG = re.compile(r"<[^>]*>")


def html_text(html: str | None) -> str:
    """Article body HTML as the words a reader sees, folded as queries are (query.fold).
    Deterministic: the index relies on it."""
    if not html:
        return ""
    return fold(" ".join(unescape(_TAG.sub(" ", html)).split()))


def register_functions(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "newsdesk_html_text", 1, html_text, deterministic=True
        )
        connection.connection.create_function("newsdesk_fold", 1, fold, deterministic=True)


KEYWORDS_OF = (
    "coalesce((SELECT group_concat(name, '; ') FROM (SELECT k.name FROM search_articlekeyword ak"
    " JOIN search_keyword k ON k.id = ak.keyword_id WHERE ak.article_id = {id}"
    " ORDER BY k.name)), '')"
)

STEMMED = "porter unicode61 remove_diacritics 2"
AS_WRITTEN = "unicode61 remove_diacritics 2"
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
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
        headline, summary, body, keywords,
        content='search_entry', content_rowid='id',
        tokenize='{STEMMED}')""",
    # detail=column: which columns hold a word, not where; enough for prefixes, a third the size.
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS search_raw USING fts5(
        headline, summary, body, keywords,
        content='search_entry', content_rowid='id',
        tokenize='{AS_WRITTEN}', prefix='3 4 5', detail='column')""",
]
FTS_TABLES = ("search_fts", "search_raw")

FTS_COLUMNS = "headline, summary, body, keywords"
_ADD = (
    "INSERT INTO {t}(rowid, " + FTS_COLUMNS + ")"
    " VALUES (new.id, new.headline, new.summary, new.body, new.keywords);"
)
_REMOVE = (
    "INSERT INTO {t}({t}, rowid, " + FTS_COLUMNS + ")"
    " VALUES ('delete', old.id, old.headline, old.summary, old.body, old.keywords);"
)


def _each_table(template: str) -> str:
    return "\n        ".join(template.format(t=table) for table in FTS_TABLES)


OWN_TRIGGERS = {
    "search_entry_ai": f"""CREATE TRIGGER search_entry_ai AFTER INSERT ON search_entry BEGIN
        {_each_table(_ADD)}
    END""",
    "search_entry_ad": f"""CREATE TRIGGER search_entry_ad AFTER DELETE ON search_entry BEGIN
        {_each_table(_REMOVE)}
    END""",
    "search_entry_au": f"""CREATE TRIGGER search_entry_au AFTER UPDATE ON search_entry BEGIN
        {_each_table(_REMOVE)}
        {_each_table(_ADD)}
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
        VALUES (new.id, newsdesk_fold(new.headline), newsdesk_fold(new.summary),
            newsdesk_html_text(new.body))
        ON CONFLICT(id) DO UPDATE SET headline = excluded.headline, summary = excluded.summary,
            body = excluded.body;
    END""",
    "search_article_au": """CREATE TRIGGER search_article_au AFTER UPDATE OF headline, summary, body
        ON articles_article
        WHEN old.headline IS NOT new.headline OR old.summary IS NOT new.summary
            OR old.body IS NOT new.body
    BEGIN
        INSERT INTO search_entry(id, headline, summary, body)
        VALUES (new.id, newsdesk_fold(new.headline), newsdesk_fold(new.summary),
            newsdesk_html_text(new.body))
        ON CONFLICT(id) DO UPDATE SET headline = excluded.headline, summary = excluded.summary,
            body = excluded.body;
    END""",
    "search_article_ad": """CREATE TRIGGER search_article_ad AFTER DELETE ON articles_article BEGIN
        DELETE FROM search_articlekeyword WHERE article_id = old.id;
        DELETE FROM search_entry WHERE id = old.id;
    END""",
    "search_kw_ai": """CREATE TRIGGER search_kw_ai AFTER INSERT ON articles_keyword BEGIN
        INSERT INTO search_keyword(id, name) VALUES (new.id, newsdesk_fold(new.name))
        ON CONFLICT(id) DO UPDATE SET name = excluded.name;
    END""",
    "search_kw_au": """CREATE TRIGGER search_kw_au AFTER UPDATE OF name ON articles_keyword
        WHEN old.name IS NOT new.name
    BEGIN
        UPDATE search_keyword SET name = newsdesk_fold(new.name) WHERE id = new.id;
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
    "DROP TABLE IF EXISTS search_raw",
    "DROP TABLE IF EXISTS search_articlekeyword",
    "DROP TABLE IF EXISTS search_keyword",
    "DROP TABLE IF EXISTS search_entry",
]


def existing_triggers(cursor) -> set[str]:
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search_%'")
    return {row[0] for row in cursor.fetchall()}


def has_tables(cursor, names) -> bool:
    placeholders = ", ".join("%s" for _ in names)
    cursor.execute(
        f"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ({placeholders})",
        list(names),
    )
    return cursor.fetchone()[0] == len(names)
