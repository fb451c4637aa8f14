"""The search index tables, seen by the ORM so that queries start from Article.objects.published()
and join the index. Unmanaged: the tables and triggers are created by our migration per vendor
(see backends/sqlite_schema.py and backends/postgres.py)."""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

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
        verbose_name=_("article"),
    )
    fts = FtsTableField(db_column="search_fts", verbose_name=_("full-text index"))
    # The rowid again under SQLite's other name, for range filters that FTS5 itself applies.
    position = models.BigIntegerField(db_column="_rowid_", verbose_name=_("position"))

    class Meta:
        verbose_name = _("search index entry")
        verbose_name_plural = _("search index entries")
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
        verbose_name=_("article"),
    )
    fts = FtsTableField(db_column="search_raw", verbose_name=_("full-text index"))
    position = models.BigIntegerField(db_column="_rowid_", verbose_name=_("position"))

    class Meta:
        verbose_name = _("search text entry")
        verbose_name_plural = _("search text entries")
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
        verbose_name=_("article"),
    )
    document = SearchVectorField(verbose_name=_("document"))
    prefixes = SearchVectorField(verbose_name=_("prefixes"))
    # Generated from `document` by the database (backends/postgres.py: newsdesk_pairs).
    pairs = ArrayField(models.TextField(), verbose_name=_("pairs of words"))

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        managed = False
        db_table = "search_document"

    def __str__(self) -> str:
        return f"Search document of article {self.pk}"


class RelatedStory(models.Model):
    """One story in another's list of related stories. Ranked when either story changes
    (services.related_refresh, a task) and read in rank order by the article page
    (selectors.related_articles), which checks at read time that readers may see it."""

    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="+",
        # The unique constraint and the rank index both start with it.
        db_index=False,
        verbose_name=_("article"),
    )
    related = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="+", verbose_name=_("related")
    )
    rank = models.PositiveSmallIntegerField(help_text=_("0 first."), verbose_name=_("rank"))

    class Meta:
        verbose_name = _("related story")
        verbose_name_plural = _("related stories")
        constraints = [
            models.UniqueConstraint(fields=["article", "related"], name="related_story_unique")
        ]
        indexes = [models.Index(fields=["article", "rank"], name="related_story_rank_idx")]

    def __str__(self) -> str:
        return f"Article {self.related_id} related to {self.article_id} (rank {self.rank})"
