# ruff: noqa: S608 - SQL built from our own constants; user text only ever goes in as a parameter.
"""SQLite FTS5 search: the newest matches walked in rowid order, scored on the columns that
hold each clause (see SqliteBackend.ranked_page). Tables and triggers: sqlite_schema.py."""

import json
import math
from contextlib import contextmanager
from dataclasses import dataclass

from django.db.models import (
    Exists,
    F,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import RawSQL

from ..query import ParsedQuery
from ..snippets import HIT_END, HIT_START
from .base import RankedPage, SearchBackend
from .sqlite_schema import (
    ARTICLE_TRIGGERS,
    AS_WRITTEN,
    DROP_ALL,
    FTS_COLUMNS,
    FTS_TABLES,
    KEYWORDS_OF,
    OWN_TABLES,
    OWN_TRIGGERS,
    STEMMED,
    existing_triggers,
    has_tables,
)

# Column weights in scores; the body's counts when a clause is in none of the others.
WEIGHT = {"headline": 10.0, "keywords": 6.0, "summary": 4.0, "body": 1.0}
SCORED_COLUMNS = ("headline", "keywords", "summary")


class SqliteBackend(SearchBackend):
    vendor = "sqlite"

    def ensure_installed(self, connection) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'articles_article'")
            if cursor.fetchone() is None:
                return  # articles not migrated yet (migrating to zero, or a partial migrate)
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'search_article_ai'")
            # An index made before Persian and Arabic were folded (query.fold) is made again.
            folded = "newsdesk_fold" in ((cursor.fetchone() or [""])[0] or "")
            if (
                folded
                and set(ARTICLE_TRIGGERS) | set(OWN_TRIGGERS) <= existing_triggers(cursor)
                and has_tables(cursor, FTS_TABLES)
            ):
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
                "INSERT INTO search_keyword (id, name)"
                " SELECT id, newsdesk_fold(name) FROM articles_keyword"
            )
            cursor.execute(
                "INSERT INTO search_articlekeyword (id, article_id, keyword_id)"
                " SELECT id, article_id, keyword_id FROM articles_article_keywords"
            )
            cursor.execute(
                "INSERT INTO search_entry (id, headline, summary, body, keywords)"
                " SELECT a.id, newsdesk_fold(a.headline), newsdesk_fold(a.summary),"
                " newsdesk_html_text(a.body), "
                + KEYWORDS_OF.format(id="a.id")
                + " FROM articles_article a"
            )
            for table in FTS_TABLES:
                cursor.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")
                # One segment per index after a bulk build, not a dozen: each word is then one
                # doclist to read rather than a merge (walks and column scans 20-50% quicker at
                # 300,000 stories; about 15 s more on the rebuild). Later writes add segments
                # that FTS5's automerge folds in.
                cursor.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
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
        """FTS5 query text for search_fts alone (stemmed; prefixes of stems). Every word is a
        quoted string: no user text is ever FTS5 syntax."""
        joiner = " OR " if query.match_any else " AND "
        text = "(" + joiner.join(_clause(c) for c in query.include) + ")"
        if query.exclude:
            text += " NOT (" + " OR ".join(_clause(c) for c in query.exclude) + ")"
        return text

    def headline_matches(
        self, query: ParsedQuery, *, id_range: tuple[int, int], limit: int
    ) -> list[int]:
        from ..models import SqliteIndexEntry

        hits = SqliteIndexEntry.objects.filter(
            fts__fts_match="headline : " + self.match_expression(query), position__range=id_range
        )
        return list(hits.order_by("-position").values_list("article_id", flat=True)[:limit])

    # A reader's search, in three steps, none of which ranks the whole set of matches:
    # (1) candidates: the newest CANDIDATES matches that readers may see and that pass the
    #     filters, found by walking the index in rowid (article id) order, newest first, which
    #     FTS5 does without reading any row or ranking anything;
    # (2) for those only, which columns hold each clause of the query (rowid range scans);
    # (3) scores computed here, the page sliced from them.
    # Not FTS5's bm25(): it counts each phrase's documents over the whole index on every query
    # (tens of milliseconds for a common word or a phrase at 300,000 stories), however few rows
    # it ranks. Trade-off: with more than CANDIDATES matches, older stories are reached by
    # narrowing the search (more words, a date range), not by paging.
    CANDIDATES = 2_000
    # Each check against the articles reads a row (a page of its own in a large archive), and
    # filters (section, keyword) may reject most matches: candidates are looked for among the
    # newest 2,000 matches, else 20,000, else all of them, until the page asked for is filled.
    WINDOWS = (2_000, 20_000)
    # Candidates are "dense" when they are at least one in DENSE of the rowids they span: their
    # columns are then found by range scans of the index. Scattered ones (a rare phrase of common
    # words, a filter that keeps few matches) would make each scan cost a walk of most of the
    # index: the newest SCATTERED_SCORED are indexed again in memory (some 10 microseconds each)
    # and scored there, and the rest rank after them, newest first.
    DENSE = 20
    SCATTERED_SCORED = 300
    # Clauses weighed one by one (by their frequency among the newest IDF_SAMPLE stories) up to
    # this many; a longer query is scored on the columns holding any of its clauses.
    CLAUSES_SCORED = 4
    IDF_SAMPLE = 10_000
    queries_per_search = 5  # walk, candidates, scores; then the page's stories, snippets

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
        plan = _Plan.of(query)
        bounds = id_range or (0, _MAX_ROWID)
        candidates = self._candidates(articles, plan, bounds, newest=newest, needed=offset + limit)
        if not candidates:
            return RankedPage()
        # A full set of candidates: there may be older matches, not ranked.
        ranked_only = len(candidates) if len(candidates) >= self.CANDIDATES else None
        if newest:
            candidates.sort(key=lambda row: (row[1], row[0]), reverse=True)
            rows = [(pk, 0.0) for pk, _ in candidates[offset : offset + limit]]
            return RankedPage(rows=rows, ranked_only=ranked_only)
        scores = self._scores(plan, [pk for pk, _ in candidates])
        ranked = sorted(((scores.get(pk, 0.0), pk) for pk, _ in candidates), reverse=True)
        rows = [(pk, score) for score, pk in ranked[offset : offset + limit]]
        return RankedPage(rows=rows, ranked_only=ranked_only)

    def _candidates(
        self, articles: QuerySet, plan: "_Plan", bounds: tuple[int, int], *, newest, needed
    ) -> list[tuple[int, object]]:
        """(article id, published_at if `newest`) of the newest CANDIDATES matches in
        `articles`, in any order."""
        low, high = bounds
        if plan.checks:
            # Prefixes and words together: the two tables are walked over the same span and
            # their rowids intersected here (a lookup in the other table per match costs some
            # 30 microseconds: a minute for a common word in a large archive).
            for window in (*self.WINDOWS, None):
                ids, complete = self._walk_both(plan, bounds, window)
                rows = self._checked(articles, newest=newest, ids=ids)
                if complete or len(rows) >= needed:
                    break
            return rows
        first, *wider = self.WINDOWS
        # The newest matches, checked by id: no second walk of the index, which for a rare
        # combination of common words costs as much as the first.
        ids = _walk(plan.driver, plan.driver_match, bounds, first)
        rows = self._checked(articles, newest=newest, ids=ids)
        if len(ids) < first:
            return rows  # every match is known
        for window in wider:
            if len(rows) >= needed:
                return rows
            floor = _walk(plan.driver, plan.driver_match, bounds, 1, skip=window - 1)
            if not floor:
                break
            rows = self._checked(articles, plan, newest=newest, bounds=(floor[0], high))
        if len(rows) >= needed:
            return rows
        return self._checked(articles, plan, newest=newest, bounds=bounds)

    @staticmethod
    def _walk_both(
        plan: "_Plan", bounds: tuple[int, int], window: int | None
    ) -> tuple[list[int], bool]:
        """Rowids matching in both tables among the newest `window` matches of each (None:
        all), newest first, and whether they are all there are."""
        low, high = bounds
        ids = _walk(plan.driver, plan.driver_match, bounds, window)
        complete = window is None or len(ids) < window
        if not complete:
            low = ids[-1]
        for must_match, table, text in plan.checks:
            others = _walk(table, text, (low, high), window)
            if window is not None and len(others) == window:
                complete, low = False, max(low, others[-1])
            known = set(others)
            ids = [pk for pk in ids if (pk in known) == must_match]
        return [pk for pk in ids if pk >= low], complete

    def _checked(
        self,
        articles: QuerySet,
        plan: "_Plan | None" = None,
        *,
        newest: bool,
        ids: list[int] | None = None,
        bounds: tuple[int, int] | None = None,
    ) -> list[tuple[int, object]]:
        """The newest CANDIDATES of the matches `ids` (or of the matches of `plan` within
        `bounds`) that are in `articles`.

        Checked with correlated EXISTS on the primary key: with the published() conditions in
        the main WHERE clause, SQLite's planner (lacking ANALYZE statistics) may walk the
        publication index, or the articles, probing the index once per article."""
        if ids is not None:
            from newsdesk.articles.models import Article

            if not ids:
                return []
            visible = articles.order_by().filter(pk=OuterRef("pk"))
            hits = Article.objects.filter(pk__in=_ids(ids))
            key, published = "pk", F("published_at")
        else:
            visible = articles.order_by().filter(pk=OuterRef("article_id"))
            hits = _model(plan.driver).objects.filter(
                fts__fts_match=plan.driver_match, position__range=bounds
            )
            key, published = "article_id", Subquery(visible.values("published_at")[:1])
        hits = hits.filter(Exists(visible)).order_by(f"-{key}")
        if newest:
            hits = hits.annotate(newest_at=published)
            return list(hits.values_list(key, "newest_at")[: self.CANDIDATES])
        return [(pk, None) for pk in hits.values_list(key, flat=True)[: self.CANDIDATES]]

    def _scores(self, plan: "_Plan", ids: list[int]) -> dict[int, float]:
        """Score of each candidate: for every clause of the query, the weights of the columns
        that hold it (headline 10, keywords 6, summary 4; else the body, 1), times the
        clause's weight (inverse document frequency among the newest IDF_SAMPLE stories; a
        query of one clause needs none). This is BM25F with term frequency saturated at one hit
        per column (k1 = 0) and no length normalisation: cheap, and in news the column of a hit
        says more than how often a word recurs in the body."""
        from django.db import connection

        ids = sorted(ids, reverse=True)
        dense = ids[0] - ids[-1] + 1 <= self.DENSE * len(ids)
        if not dense:
            ids = ids[: self.SCATTERED_SCORED]
        if len(plan.clauses) <= self.CLAUSES_SCORED:
            groups = list(plan.clauses)
        else:
            groups = [(table, plan.any_of[table]) for table in plan.any_of]
        weighted = len(groups) > 1
        parts, params = [], []
        if weighted:
            newest = f"(SELECT max(id) FROM search_entry) - {int(self.IDF_SAMPLE)}"
            for number, (table, text) in enumerate(groups):
                parts.append(
                    f"SELECT {number}, '', count(*) FROM {table}"
                    f" WHERE {table} MATCH %s AND rowid > {newest}"
                )
                params.append(text)
            parts.append(f"SELECT -1, '', count(*) FROM search_fts_docsize WHERE id > {newest}")
        holders = []
        for number, (table, text) in enumerate(groups):
            for column in SCORED_COLUMNS:
                holders.append(
                    (
                        f"SELECT {number}, '{column}', rowid FROM {table} WHERE {table} MATCH ",
                        text,
                        column,
                        table,
                    )
                )
        if dense:
            for select, text, column, _ in holders:
                parts.append(select + "%s AND rowid BETWEEN %s AND %s")
                # The clause alone: dense candidates are a twentieth of the span at least, so
                # this reads at most some twenty postings per candidate. ANDed with the whole
                # query it would merge every clause's doclist on each scan.
                params += [f"{{{column}}} : ({text})"]
                params += [ids[-1], ids[0]]
        rows = []
        if parts:
            with connection.cursor() as cursor:
                cursor.execute(" UNION ALL ".join(parts), params)
                rows = cursor.fetchall()
        if not dense:
            tables = [table for _, _, _, table in holders]
            with _scratch(_entries(ids, body=False), tables) as scratch:
                rows += scratch.execute(
                    " UNION ALL ".join(select + "?" for select, *_ in holders),
                    [f"{{{column}}} : ({text})" for _, text, column, _ in holders],
                ).fetchall()
        weights = [1.0] * len(groups)
        if weighted:
            sample = next(value for number, column, value in rows if number == -1)
            for number, column, value in rows:
                if column == "" and number >= 0:
                    weights[number] = math.log(1 + (sample - value + 0.5) / (value + 0.5))
        held: dict[int, dict[int, set]] = {pk: {} for pk in ids}
        for number, column, pk in rows:
            if column and pk in held:
                held[pk].setdefault(number, set()).add(column)
        scores = {}
        for pk, columns_by_group in held.items():
            score = 0.0
            for number in range(len(groups)):
                columns = columns_by_group.get(number)
                column_weight = sum(WEIGHT[c] for c in columns) if columns else WEIGHT["body"]
                score += weights[number] * column_weight
            scores[pk] = score
        return scores

    def snippets(self, ids: list[int], query: ParsedQuery) -> dict[int, str]:
        if not ids:
            return {}
        plan = _Plan.of(query)
        # Words and phrases are marked where the query has any; a query of prefixes alone is
        # marked from the table of words as written.
        table = "search_fts" if "search_fts" in plan.expressions else plan.driver
        with _scratch(_entries(ids, body=True), [table]) as scratch:
            rows = scratch.execute(
                f"SELECT rowid, snippet({table}, -1, ?, ?, '…', 30) FROM {table}"
                f" WHERE {table} MATCH ?",
                [HIT_START, HIT_END, plan.expressions[table]],
            ).fetchall()
        return dict(rows)


def _entries(ids: list[int], *, body: bool) -> list[tuple]:
    """The indexed text of these articles (the body left empty unless asked for)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, headline, summary, {'body' if body else chr(39) * 2}, keywords"
            f" FROM search_entry WHERE id IN ({_JSON_IDS})",
            [json.dumps(ids)],
        )
        return cursor.fetchall()


@contextmanager
def _scratch(entries: list[tuple], tables):
    """A throwaway in-memory FTS5 index of a few articles, tokenized as the real one: the same
    MATCH text finds the same hits and snippet() marks the same words. Looking one rowid up in
    the large index costs up to milliseconds for a phrase; indexing a story's text again, some
    tens of microseconds."""
    import sqlite3

    scratch = sqlite3.connect(":memory:")
    try:
        for table in set(tables):
            tokenize = STEMMED if table == "search_fts" else AS_WRITTEN
            scratch.execute(
                f"CREATE VIRTUAL TABLE {table} USING fts5({FTS_COLUMNS}, tokenize='{tokenize}')"
            )
            scratch.executemany(
                f"INSERT INTO {table}(rowid, {FTS_COLUMNS}) VALUES (?, ?, ?, ?, ?)", entries
            )
        yield scratch
    finally:
        scratch.close()


_MAX_ROWID = 2**62


def _walk(
    table: str, match: str, bounds: tuple[int, int], limit: int | None, skip: int = 0
) -> list[int]:
    """Rowids of matches, newest first, from the index alone (no row is read)."""
    from django.db import connection

    with connection.cursor() as cursor:
        # As one JSON array: thousands of rowids, parsed in C rather than fetched row by row.
        cursor.execute(
            f"SELECT json_group_array(rowid) FROM (SELECT rowid FROM {table}"
            f" WHERE {table} MATCH %s AND rowid BETWEEN %s AND %s"
            " ORDER BY rowid DESC LIMIT %s OFFSET %s)",
            [match, *bounds, -1 if limit is None else limit, skip],
        )
        return sorted(json.loads(cursor.fetchone()[0]), reverse=True)


# Ids as one JSON parameter: no limit on their number, and FTS5 looks each one up.
_JSON_IDS = "SELECT value FROM json_each(%s)"


def _ids(ids: list[int]) -> RawSQL:
    return RawSQL(_JSON_IDS, [json.dumps(ids)])  # noqa: S611 - constant SQL, ids as a parameter


def _clause(clause) -> str:
    return '"' + " ".join(clause.words) + '"' + (" *" if clause.prefix else "")


def _model(table: str):
    from ..models import SqliteIndexEntry, SqliteRawEntry

    return SqliteRawEntry if table == "search_raw" else SqliteIndexEntry


@dataclass(frozen=True)
class _Plan:
    """A reader's query split between the two FTS5 tables: prefixes go to search_raw (words as
    written), words and phrases to search_fts (stemmed)."""

    driver: str  # the table whose matches are walked, newest first
    driver_match: str
    checks: tuple[tuple[bool, str, str], ...]  # (must match, table, MATCH text) per hit
    expressions: dict  # table -> MATCH text of its include clauses (and its exclusions)
    any_of: dict  # table -> MATCH text of any of its include clauses
    clauses: tuple[tuple[str, str], ...]  # (table, MATCH text) of each include clause

    @classmethod
    def of(cls, query: ParsedQuery) -> "_Plan":
        def table(clause) -> str:
            # "More like this" (any clause may match) stays in one table: an OR cannot be
            # split across two.
            return "search_raw" if clause.prefix and not query.match_any else "search_fts"

        joiner = " OR " if query.match_any else " AND "
        include: dict[str, list[str]] = {"search_fts": [], "search_raw": []}
        exclude: dict[str, list[str]] = {"search_fts": [], "search_raw": []}
        for clause in query.include:
            include[table(clause)].append(_clause(clause))
        for clause in query.exclude:
            exclude[table(clause)].append(_clause(clause))
        expressions = {}
        for name, texts in include.items():
            if texts:
                text = "(" + joiner.join(texts) + ")"
                if exclude[name]:
                    text += " NOT (" + " OR ".join(exclude[name]) + ")"
                expressions[name] = text
        driver = "search_fts" if include["search_fts"] else "search_raw"
        other = "search_raw" if driver == "search_fts" else "search_fts"
        checks = []
        if other in expressions:
            checks.append((True, other, expressions[other]))
        elif exclude[other]:
            checks.append((False, other, "(" + " OR ".join(exclude[other]) + ")"))
        return cls(
            any_of={name: "(" + " OR ".join(t) + ")" for name, t in include.items() if t},
            driver=driver,
            driver_match=expressions[driver],
            checks=tuple(checks),
            expressions=expressions,
            clauses=tuple((table(c), _clause(c)) for c in query.include),
        )
