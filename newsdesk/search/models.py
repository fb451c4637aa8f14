"""The search index tables, seen by the ORM so that queries start from Article.objects.published()
and join the index. Unmanaged: the tables and triggers are created by our migration per vendor
(see backends/sqlite_schema.py and backends/postgres.py)."""

from django.contrib.postgres.search import SearchVectorField
from django.db import models

from newsdesk.articles.models import Article


class FtsTableField(models.TextField):
    """FTS5's hidden column named like its table: the left side of MATCH and the first argument
    of bm25() and snippet()."""


@FtsTableField.register_lookup
class FtsMatch(models.Lookup):
    lookup_name = "fts_match"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", [*lhs_params, *rhs_params]


class SqliteIndexEntry(models.Model):
    article = models.OneToOneField(
        Article,
        primary_key=True,
        db_column="rowid",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="search_fts",
    )
    fts = FtsTableField(db_column="search_fts")
    # The rowid again under SQLite's other name, for range filters that FTS5 itself applies.
    position = models.BigIntegerField(db_column="_rowid_")

    class Meta:
        managed = False
        db_table = "search_fts"

    def __str__(self) -> str:
        return f"Search index entry of article {self.pk}"


class SqliteRawEntry(models.Model):
    """The articles in search_raw: words as written, for prefixes (backends/sqlite_schema.py)."""

    article = models.OneToOneField(
        Article,
        primary_key=True,
        db_column="rowid",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="search_raw",
    )
    fts = FtsTableField(db_column="search_raw")
    position = models.BigIntegerField(db_column="_rowid_")

    class Meta:
        managed = False
        db_table = "search_raw"

    def __str__(self) -> str:
        return f"Unstemmed search index entry of article {self.pk}"


class PostgresDocument(models.Model):
    article = models.OneToOneField(
        Article,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="search_document",
    )
    document = SearchVectorField()
    prefixes = SearchVectorField()

    class Meta:
        managed = False
        db_table = "search_document"

    def __str__(self) -> str:
        return f"Search document of article {self.pk}"
