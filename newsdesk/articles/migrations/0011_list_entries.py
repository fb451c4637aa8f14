"""Keyword and author lists read through their own index (ListEntry), kept by triggers.

The triggers copy each keyword or author link, with its story's publication time, into
articles_listentry, and follow the time when it changes, whatever writes the rows. Existing links
are copied once here."""

from django.db import migrations, models

LINKS = (
    ("keyword", "articles_article_keywords", "keyword_id"),
    ("author", "articles_article_authors", "author_id"),
)

BACKFILL = [
    f"INSERT INTO articles_listentry (kind, scope_id, article_id, published_at)"
    f" SELECT '{kind}', link.{column}, link.article_id, a.published_at"
    f" FROM {table} link JOIN articles_article a ON a.id = link.article_id"
    for kind, table, column in LINKS
]

SQLITE = [
    *(
        sql
        for kind, table, column in LINKS
        for sql in (
            f"CREATE TRIGGER articles_listentry_{kind}_ai AFTER INSERT ON {table} BEGIN"
            f" INSERT INTO articles_listentry (kind, scope_id, article_id, published_at)"
            f" SELECT '{kind}', NEW.{column}, NEW.article_id, published_at"
            f" FROM articles_article WHERE id = NEW.article_id; END",
            f"CREATE TRIGGER articles_listentry_{kind}_ad AFTER DELETE ON {table} BEGIN"
            f" DELETE FROM articles_listentry WHERE article_id = OLD.article_id"
            f" AND kind = '{kind}' AND scope_id = OLD.{column}; END",
        )
    ),
    "CREATE TRIGGER articles_listentry_time AFTER UPDATE OF published_at ON articles_article"
    " WHEN NEW.published_at IS NOT OLD.published_at BEGIN"
    " UPDATE articles_listentry SET published_at = NEW.published_at WHERE article_id = NEW.id;"
    " END",
]
SQLITE_DROP = [
    *(f"DROP TRIGGER IF EXISTS articles_listentry_{kind}_{op}" for kind, _, _ in LINKS for op in ("ai", "ad")),
    "DROP TRIGGER IF EXISTS articles_listentry_time",
]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION articles_listentry_link() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- TG_ARGV: the list's kind, then the link's column naming the keyword or author.
        IF TG_OP = 'INSERT' THEN
            INSERT INTO articles_listentry (kind, scope_id, article_id, published_at)
            SELECT TG_ARGV[0], (to_jsonb(NEW) ->> TG_ARGV[1])::bigint, NEW.article_id, published_at
            FROM articles_article WHERE id = NEW.article_id;
            RETURN NEW;
        END IF;
        DELETE FROM articles_listentry WHERE article_id = OLD.article_id
            AND kind = TG_ARGV[0] AND scope_id = (to_jsonb(OLD) ->> TG_ARGV[1])::bigint;
        RETURN OLD;
    END $$""",
    *(
        f"CREATE TRIGGER articles_listentry_{kind} AFTER INSERT OR DELETE ON {table}"
        f" FOR EACH ROW EXECUTE FUNCTION articles_listentry_link('{kind}', '{column}')"
        for kind, table, column in LINKS
    ),
    """CREATE OR REPLACE FUNCTION articles_listentry_time() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE articles_listentry SET published_at = NEW.published_at WHERE article_id = NEW.id;
        RETURN NEW;
    END $$""",
    "CREATE TRIGGER articles_listentry_time AFTER UPDATE OF published_at ON articles_article"
    " FOR EACH ROW WHEN (NEW.published_at IS DISTINCT FROM OLD.published_at)"
    " EXECUTE FUNCTION articles_listentry_time()",
]
POSTGRES_DROP = [
    *(f"DROP TRIGGER IF EXISTS articles_listentry_{kind} ON {table}" for kind, table, _ in LINKS),
    "DROP TRIGGER IF EXISTS articles_listentry_time ON articles_article",
    "DROP FUNCTION IF EXISTS articles_listentry_link()",
    "DROP FUNCTION IF EXISTS articles_listentry_time()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise NotImplementedError(
                f"Keyword and author lists need triggers for {schema_editor.connection.vendor}."
            )
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0010_top_stories_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='ListEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('keyword', 'keyword'), ('author', 'author')], max_length=10, verbose_name='list')),
                ('scope_id', models.BigIntegerField(verbose_name='keyword or author')),
                ('published_at', models.DateTimeField(null=True, verbose_name='published at')),
                ('article', models.ForeignKey(db_constraint=False, on_delete=models.DO_NOTHING, related_name='list_entries', to='articles.article', verbose_name='article')),
            ],
            options={
                'verbose_name': 'list entry',
                'verbose_name_plural': 'list entries',
                'indexes': [models.Index(fields=['kind', 'scope_id', '-published_at', '-article'], name='listentry_pub_idx')],
            },
        ),
        migrations.RunPython(
            _run({"sqlite": [*SQLITE, *BACKFILL], "postgresql": [*POSTGRES, *BACKFILL]}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        ),
    ]
