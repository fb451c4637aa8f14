# ruff: noqa: S608 - SQL built from our own constants; user text only ever goes in as a parameter.
"""PostgreSQL full-text search: a weighted tsvector per article in search_document, kept in step
by triggers on the articles tables, ranked with ts_rank and highlighted with ts_headline.

Two vectors per article: `document` (English stemming, weighted) for words and phrases, and
`prefixes` (the 'simple' configuration: words as written) for prefix* clauses, which must match
the start of a word as the reader sees it ("governm*": "government" is stemmed to "govern")."""

from functools import reduce
from html import unescape

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import F, Func, QuerySet, TextField, Value

from ..query import FOLD_DROP, FOLD_FROM, FOLD_TO, Clause, ParsedQuery
from ..snippets import HIT_END, HIT_START
from .base import RankedPage, SearchBackend

CONFIG = "english"
PREFIX_CONFIG = "simple"

INSTALL = [
    # The same folding as query.fold(), which every query goes through.
    f"""CREATE OR REPLACE FUNCTION newsdesk_fold(t text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT translate(regexp_replace(t, '[{FOLD_DROP}]', '', 'g'), '{FOLD_FROM}', '{FOLD_TO}')
    $$""",
    """CREATE TABLE IF NOT EXISTS search_document (
        article_id bigint PRIMARY KEY,
        document tsvector NOT NULL)""",
    "ALTER TABLE search_document ADD COLUMN IF NOT EXISTS prefixes tsvector NOT NULL DEFAULT ''",
    "CREATE INDEX IF NOT EXISTS search_document_gin ON search_document USING gin (document)",
    "CREATE INDEX IF NOT EXISTS search_prefixes_gin ON search_document USING gin (prefixes)",
    # Headline A, keywords B, summary C, body D (text of the HTML).
    f"""CREATE OR REPLACE FUNCTION search_document_refresh(aid bigint) RETURNS void
    LANGUAGE sql AS $$
        INSERT INTO search_document (article_id, document, prefixes)
        SELECT t.id,
            setweight(to_tsvector('{CONFIG}', t.headline), 'A')
            || setweight(to_tsvector('{CONFIG}', t.keywords), 'B')
            || setweight(to_tsvector('{CONFIG}', t.summary), 'C')
            || setweight(to_tsvector('{CONFIG}', t.body), 'D'),
            to_tsvector('{PREFIX_CONFIG}',
                concat_ws(' ', t.headline, t.keywords, t.summary, t.body))
        FROM (SELECT a.id, newsdesk_fold(coalesce(a.headline, '')) AS headline,
                newsdesk_fold(coalesce((SELECT string_agg(k.name, '; ' ORDER BY k.name)
                    FROM articles_article_keywords ak
                    JOIN articles_keyword k ON k.id = ak.keyword_id
                    WHERE ak.article_id = a.id), '')) AS keywords,
                newsdesk_fold(coalesce(a.summary, '')) AS summary,
                newsdesk_fold(regexp_replace(coalesce(a.body, ''), '<[^>]*>', ' ', 'g')) AS body
            FROM articles_article a WHERE a.id = aid) t
        ON CONFLICT (article_id) DO UPDATE
        SET document = excluded.document, prefixes = excluded.prefixes;
    $$""",
    """CREATE OR REPLACE FUNCTION search_article_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            DELETE FROM search_document WHERE article_id = OLD.id;
        ELSIF TG_OP = 'INSERT' OR NEW.headline IS DISTINCT FROM OLD.headline
            OR NEW.summary IS DISTINCT FROM OLD.summary OR NEW.body IS DISTINCT FROM OLD.body THEN
            PERFORM search_document_refresh(NEW.id);
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION search_article_keywords_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            PERFORM search_document_refresh(OLD.article_id);
        ELSE
            PERFORM search_document_refresh(NEW.article_id);
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION search_keyword_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.name IS DISTINCT FROM OLD.name THEN
            PERFORM search_document_refresh(ak.article_id)
            FROM articles_article_keywords ak WHERE ak.keyword_id = NEW.id;
        END IF;
        RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS search_article_changed ON articles_article",
    """CREATE TRIGGER search_article_changed AFTER INSERT OR DELETE OR UPDATE OF headline, summary,
        body ON articles_article FOR EACH ROW EXECUTE FUNCTION search_article_changed()""",
    "DROP TRIGGER IF EXISTS search_article_keywords_changed ON articles_article_keywords",
    """CREATE TRIGGER search_article_keywords_changed AFTER INSERT OR DELETE
        ON articles_article_keywords FOR EACH ROW
        EXECUTE FUNCTION search_article_keywords_changed()""",
    "DROP TRIGGER IF EXISTS search_keyword_renamed ON articles_keyword",
    """CREATE TRIGGER search_keyword_renamed AFTER UPDATE OF name ON articles_keyword
        FOR EACH ROW EXECUTE FUNCTION search_keyword_renamed()""",
]

UNINSTALL = [
    # The same folding as query.fold(), which every query goes through.
    f"""CREATE OR REPLACE FUNCTION newsdesk_fold(t text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT translate(regexp_replace(t, '[{FOLD_DROP}]', '', 'g'), '{FOLD_FROM}', '{FOLD_TO}')
    $$""",
    "DROP TRIGGER IF EXISTS search_article_changed ON articles_article",
    "DROP TRIGGER IF EXISTS search_article_keywords_changed ON articles_article_keywords",
    "DROP TRIGGER IF EXISTS search_keyword_renamed ON articles_keyword",
    "DROP FUNCTION IF EXISTS search_article_changed()",
    "DROP FUNCTION IF EXISTS search_article_keywords_changed()",
    "DROP FUNCTION IF EXISTS search_keyword_renamed()",
    "DROP FUNCTION IF EXISTS search_document_refresh(bigint)",
    "DROP FUNCTION IF EXISTS newsdesk_fold(text)",
    "DROP TABLE IF EXISTS search_document",
]

TRIGGERS = {"search_article_changed", "search_article_keywords_changed", "search_keyword_renamed"}


def _clause_query(clause: Clause) -> SearchQuery:
    if clause.prefix:
        # Words are letters and digits only (query.py), so this raw tsquery cannot be malformed.
        return SearchQuery(f"{clause.words[0]}:*", config=PREFIX_CONFIG, search_type="raw")
    kind = "phrase" if clause.is_phrase else "plain"
    return SearchQuery(" ".join(clause.words), config=CONFIG, search_type=kind)


def _combined(include: list[Clause], exclude: list[Clause], match_any: bool) -> SearchQuery | None:
    either = (lambda a, b: a | b) if match_any else (lambda a, b: a & b)
    parts = [reduce(either, [_clause_query(c) for c in include])] if include else []
    parts += [~_clause_query(c) for c in exclude]
    return reduce(lambda a, b: a & b, parts) if parts else None


def tsquery(query: ParsedQuery) -> SearchQuery | None:
    """The query's words and phrases, against `document` (None: it has none, nor exclusions)."""
    return _combined(
        [c for c in query.include if not c.prefix],
        [c for c in query.exclude if not c.prefix],
        query.match_any,
    )


def prefix_tsquery(query: ParsedQuery) -> SearchQuery | None:
    """The query's prefixes, against `prefixes` (None: it has none)."""
    return _combined(
        [c for c in query.include if c.prefix],
        [c for c in query.exclude if c.prefix],
        query.match_any,
    )


class PostgresBackend(SearchBackend):
    vendor = "postgresql"

    # A reader's search ranks the newest CANDIDATES matches that readers may see and that pass
    # the filters, not every match: ts_rank reads each ranked story's vector, and a common word
    # is in a third of a large archive (100,000 stories at 300,000, over a second to rank).
    # Those matches are looked for among the newest WINDOWS article ids first (the GIN index's
    # bitmap and the primary key's range together), then among all, so that a common word
    # reads only the newest part of the index and a rare one still finds its old stories. The
    # same trade-off as SQLite's (sqlite.py): older stories of a common word are reached by
    # narrowing the search (more words, a date range), and the page says so (ranked_only).
    CANDIDATES = 2_000
    WINDOWS = (20_000, 200_000)
    # The newest id, the candidates, their scores; then the page's stories and snippets.
    queries_per_search = 5

    def ensure_installed(self, connection) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('articles_article') IS NOT NULL")
            if not cursor.fetchone()[0]:
                return
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname = ANY(%s)", [sorted(TRIGGERS)]
            )
            triggers = cursor.fetchone()[0]
            # An index made before Persian and Arabic were folded (query.fold) is made again.
            cursor.execute("SELECT to_regprocedure('newsdesk_fold(text)') IS NOT NULL")
            if triggers == len(TRIGGERS) and cursor.fetchone()[0]:
                return
        self.rebuild(connection)

    def rebuild(self, connection) -> None:
        from django.db import transaction

        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            for sql in INSTALL:
                cursor.execute(sql)
            cursor.execute("TRUNCATE search_document")
            cursor.execute("SELECT search_document_refresh(id) FROM articles_article")
            # After a bulk load the planner's statistics are those of the tables before it (or
            # none: autovacuum may be off, or not yet round); the related-stories ranking that
            # follows a load would walk whole indexes.
            cursor.execute("ANALYZE articles_article, articles_article_keywords, search_document")

    def suspend(self, connection) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS search_article_changed ON articles_article")
            cursor.execute(
                "DROP TRIGGER IF EXISTS search_article_keywords_changed"
                " ON articles_article_keywords"
            )

    def uninstall(self, connection) -> None:
        with connection.cursor() as cursor:
            for sql in UNINSTALL:
                cursor.execute(sql)

    def ranked_page(
        self,
        articles: QuerySet,
        query: ParsedQuery,
        *,
        newest: bool,
        offset: int,
        limit: int,
        id_range: tuple[int, int] | None = None,
    ) -> RankedPage:
        from newsdesk.articles.models import Article

        low, high = id_range or (0, None)
        if high is None:
            high = Article.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        matches = self._matches(articles, query)
        for window in (*self.WINDOWS, None):
            floor = low if window is None else max(low, high - window + 1)
            # The range on both tables: the index's bitmap is then ANDed with the range of
            # search_document's key, and only the window's vectors are read (a phrase's
            # positions are checked on each vector the bitmap holds).
            candidates = list(
                matches.filter(
                    pk__range=(floor, high),
                    search_document__article__gte=floor,
                    search_document__article__lte=high,
                )
                .order_by("-pk")
                .values_list("pk", "published_at")[: self.CANDIDATES]
            )
            if len(candidates) >= min(self.CANDIDATES, offset + limit) or floor == low:
                break
        if not candidates:
            return RankedPage()
        # A full set of candidates: there may be older matches, not ranked.
        ranked_only = len(candidates) if len(candidates) >= self.CANDIDATES else None
        if newest:
            candidates.sort(key=lambda row: (row[1], row[0]), reverse=True)
            rows = [(pk, 0.0) for pk, _ in candidates[offset : offset + limit]]
            return RankedPage(rows=rows, ranked_only=ranked_only)
        scored = (
            Article.objects.filter(pk__in=[pk for pk, _ in candidates])
            .annotate(search_score=self._score(query))
            .order_by("-search_score", "-id")
            .values_list("id", "search_score")
        )
        return RankedPage(rows=list(scored[offset : offset + limit]), ranked_only=ranked_only)

    @staticmethod
    def _matches(articles: QuerySet, query: ParsedQuery) -> QuerySet:
        words, prefixes = tsquery(query), prefix_tsquery(query)
        if words is not None:
            articles = articles.filter(search_document__document=words)
        if prefixes is not None:
            articles = articles.filter(search_document__prefixes=prefixes)
        return articles

    @staticmethod
    def _score(query: ParsedQuery) -> SearchRank:
        # A query always has a clause to include (search_articles), so one of the two is set;
        # ranked on words where it has any.
        if any(not c.prefix for c in query.include):
            return SearchRank(F("search_document__document"), tsquery(query))
        return SearchRank(F("search_document__prefixes"), prefix_tsquery(query))

    def headline_matches(
        self, query: ParsedQuery, *, id_range: tuple[int, int], limit: int
    ) -> list[int]:
        from newsdesk.articles.models import Article

        # Weight A is the headline (see search_document_refresh); words are letters and digits.
        parts = [
            SearchQuery(f"{word}:A", config=CONFIG, search_type="raw")
            for clause in query.include
            for word in clause.words
        ]
        matches = Article.objects.published().filter(
            pk__range=id_range, search_document__document=reduce(lambda a, b: a | b, parts)
        )
        return list(matches.order_by("-id").values_list("id", flat=True)[:limit])

    def snippets(self, ids: list[int], query: ParsedQuery) -> dict[int, str]:
        from newsdesk.articles.models import Article

        if not ids:
            return {}
        text = Func(
            F("body"),
            Value("<[^>]*>"),
            Value(" "),
            Value("g"),
            function="regexp_replace",
            output_field=TextField(),
        )
        # Words and phrases are marked where the query has any; prefixes alone otherwise.
        if any(not c.prefix for c in query.include):
            marks, config = tsquery(query), CONFIG
        else:
            marks, config = prefix_tsquery(query), PREFIX_CONFIG
        rows = (
            Article.objects.published()
            .filter(pk__in=ids)
            .annotate(
                marked=SearchHeadline(
                    text,
                    marks,
                    config=config,
                    start_sel=HIT_START,
                    stop_sel=HIT_END,
                    max_words=35,
                    min_words=15,
                    max_fragments=2,
                    fragment_delimiter=" … ",
                )
            )
            .values_list("pk", "marked")
        )
        # ts_headline works on the HTML's text, where entities (&amp;) are still encoded.
        return {pk: unescape(marked or "") for pk, marked in rows}
