# ruff: noqa: S608 - SQL built from our own constants; user text only ever goes in as a parameter.
"""PostgreSQL full-text search: a weighted tsvector per article in search_document, kept in step
by triggers on the articles tables, ranked with ts_rank and highlighted with ts_headline.

Two vectors per article: `document` (English stemming, weighted) for words and phrases, and
`prefixes` (the 'simple' configuration: words as written) for prefix* clauses, which must match
the start of a word as the reader sees it ("governm*": "government" is stemmed to "govern")."""

from dataclasses import replace
from functools import reduce
from html import unescape

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchQueryField,
    SearchRank,
    SearchVector,
)
from django.db.models import BooleanField, Count, F, Func, Q, QuerySet, TextField, Value, Window

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
    # Kept in the row (compressed), not in the TOAST table: a search reads the vectors of
    # thousands of candidates, matching and ranking them; out of line, each was an index
    # lookup and a read of its own (about 3 µs a vector at 300,000 stories, under 1 µs in the
    # row).
    """ALTER TABLE search_document ALTER COLUMN document SET STORAGE MAIN,
        ALTER COLUMN prefixes SET STORAGE MAIN""",
    "CREATE INDEX IF NOT EXISTS search_document_gin ON search_document USING gin (document)",
    "CREATE INDEX IF NOT EXISTS search_prefixes_gin ON search_document USING gin (prefixes)",
    # Every two neighbouring words of `document` (its lexemes at positions p and p + 1), for
    # phrases: on `document` the GIN index finds the stories holding all of a phrase's words,
    # whose positions are then read one vector at a time (for two common words that seldom
    # stand together, a third of the archive); on `pairs` it finds those holding its pairs.
    """CREATE OR REPLACE FUNCTION newsdesk_pairs(v tsvector) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT coalesce(array_agg(DISTINCT a.lexeme || ' ' || b.lexeme), '{}')
        FROM (SELECT lexeme, unnest(positions) AS p FROM unnest(v)) a
        JOIN (SELECT lexeme, unnest(positions) AS p FROM unnest(v)) b ON b.p = a.p + 1
    $$""",
    """ALTER TABLE search_document ADD COLUMN IF NOT EXISTS pairs text[]
        GENERATED ALWAYS AS (newsdesk_pairs(document)) STORED""",
    "CREATE INDEX IF NOT EXISTS search_document_pairs_gin ON search_document USING gin (pairs)",
    # Whether a story holds a phrase (`phrase`, whose pairs are `wanted`, and `unseen` the same
    # pairs hidden from the planner). Two words standing together are their pair, nothing
    # more: `document` is not read (with the phrase on `document` too, the planner multiplied
    # the two estimates as if independent). Longer phrases, or with a stop word, are checked
    # on `document` as well. Inlined and, for a constant phrase, folded to what applies. The
    # planner does not see the pairs: it would walk the newest stories reading each one's
    # `pairs` (in the TOAST table, some 5 µs a story) rather than read the pair's index.
    """CREATE OR REPLACE FUNCTION newsdesk_phrase_held(
        pairs text[], document tsvector, wanted text[], phrase tsquery, unseen text[])
    RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN numnode(phrase) = 3 AND cardinality(wanted) = 1 THEN true
            ELSE document @@ phrase END AND (wanted = '{}' OR pairs @> unseen)
    $$""",
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
    "DROP FUNCTION IF EXISTS newsdesk_phrase_held(text[], tsvector, text[], tsquery, text[])",
    "DROP FUNCTION IF EXISTS newsdesk_pairs(tsvector)",
]

# What a search calls, by its signature: an index made without it is made again.
PHRASE_HELD = "newsdesk_phrase_held(text[], tsvector, text[], tsquery, text[])"
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


def _unseen(expression, output_field) -> Func:
    """`expression` as a subquery: its value is not known to the planner when it plans."""
    return Func(expression, template="(SELECT %(expressions)s)", output_field=output_field)


def _matched(vector: str, query: SearchQuery, estimated: bool):
    """`vector` matches `query`; not `estimated`: the planner cannot see the query (a subquery)
    and takes the default selectivity of a text search, a few stories, read from the index."""
    if estimated:
        return Q(**{f"search_document__{vector}": query})
    return Func(
        F(f"search_document__{vector}"),
        _unseen(query, SearchQueryField()),
        template="%(expressions)s",
        arg_joiner=" @@ ",
        output_field=BooleanField(),
    )


def _phrase_held(clause: Clause) -> Func:
    """The stories holding the phrase: by its pairs of words (newsdesk_pairs), and its positions
    on `document` where the pairs do not say it all (newsdesk_phrase_held)."""
    wanted = Func(
        SearchVector(Value(" ".join(clause.words)), config=CONFIG),
        function="newsdesk_pairs",
        output_field=ArrayField(TextField()),
    )
    return Func(
        F("search_document__pairs"),
        F("search_document__document"),
        wanted,
        _clause_query(clause),
        _unseen(wanted, ArrayField(TextField())),
        function="newsdesk_phrase_held",
        output_field=BooleanField(),
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
    # The newest id, the page of the ranked candidates; then the page's stories and snippets.
    queries_per_search = 4

    def ensure_installed(self, connection) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('articles_article') IS NOT NULL")
            if not cursor.fetchone()[0]:
                return
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname = ANY(%s)", [sorted(TRIGGERS)]
            )
            triggers = cursor.fetchone()[0]
            # An index made before Persian and Arabic were folded (query.fold), or before
            # phrases had their pairs (and newsdesk_phrase_held) and the vectors were kept in
            # the row, is made again.
            cursor.execute(
                "SELECT to_regprocedure('newsdesk_fold(text)') IS NOT NULL"
                " AND to_regclass('search_document_pairs_gin') IS NOT NULL"
                " AND to_regprocedure(%s) IS NOT NULL"
                " AND (SELECT attstorage FROM pg_attribute WHERE attname = 'document'"
                "      AND attrelid = to_regclass('search_document')) = 'm'",
                [PHRASE_HELD],
            )
            if triggers == len(TRIGGERS) and cursor.fetchone()[0]:
                return
        self.rebuild(connection)

    def rebuild(self, connection) -> None:
        from django.db import transaction

        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            # Made anew rather than emptied: the columns and their storage are INSTALL's, with
            # no rows to rewrite as they are set.
            cursor.execute("DROP TABLE IF EXISTS search_document")
            for sql in INSTALL:
                cursor.execute(sql)
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

        from ..models import PostgresDocument

        low, high = id_range or (0, None)
        if high is None:
            high = Article.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for n, window in enumerate((*self.WINDOWS, None)):
            floor = low if window is None else max(low, high - window + 1)
            # A wider window is read only when the newest stories held less than a page of
            # matches: they are rare, whatever the planner's estimate (which takes the words as
            # independent: every story with "kestrel" has "point", and "kestrel -point" walked
            # every vector of the archive expecting 2,000 matches soon). There the GIN index
            # answers alone.
            matches = self._matches(articles, query, estimated=n == 0)
            # The range on both tables: the index's bitmap is then ANDed with the range of
            # search_document's key, and only the window's vectors are read.
            candidates = (
                matches.filter(
                    pk__range=(floor, high),
                    search_document__article__gte=floor,
                    search_document__article__lte=high,
                )
                .order_by("-pk")
                .values("pk")[: self.CANDIDATES]
            )
            # Ranked, and the page cut, in the same statement; each row says how many
            # candidates there were.
            found = Window(Count("*"))
            if newest:
                ranked = (
                    Article.objects.filter(pk__in=candidates)
                    .annotate(search_score=Value(0.0), found=found)
                    .order_by("-published_at", "-pk")
                    .values_list("pk", "search_score", "found")
                )
            else:
                ranked = (
                    PostgresDocument.objects.filter(article__in=candidates)
                    .annotate(search_score=self._score(query), found=found)
                    .order_by("-search_score", "-article")
                    .values_list("article", "search_score", "found")
                )
            rows = list(ranked[offset : offset + limit])
            count = rows[0][2] if rows else 0
            if count >= min(self.CANDIDATES, offset + limit) or floor == low:
                break
        # A full set of candidates: there may be older matches, not ranked.
        ranked_only = count if count >= self.CANDIDATES else None
        return RankedPage(rows=[(pk, score) for pk, score, _ in rows], ranked_only=ranked_only)

    @staticmethod
    def _matches(articles: QuerySet, query: ParsedQuery, *, estimated: bool = True) -> QuerySet:
        prefixes = prefix_tsquery(query)
        if query.match_any:
            words = tsquery(query)
        else:
            # The phrases to include on their own (_phrase_held), the rest in one tsquery.
            for clause in query.include:
                if clause.is_phrase:
                    articles = articles.filter(_phrase_held(clause))
            rest = tuple(c for c in query.include if not c.is_phrase)
            words = tsquery(replace(query, include=rest))
        if words is not None:
            articles = articles.filter(_matched("document", words, estimated))
        if prefixes is not None:
            articles = articles.filter(_matched("prefixes", prefixes, estimated))
        return articles

    @staticmethod
    def _score(query: ParsedQuery) -> SearchRank:
        # A query always has a clause to include (search_articles), so one of the two is set;
        # ranked on words where it has any.
        if any(not c.prefix for c in query.include):
            return SearchRank(F("document"), tsquery(query))
        return SearchRank(F("prefixes"), prefix_tsquery(query))

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
