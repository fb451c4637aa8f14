import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

import newsdesk.search.models


# Prefixes are matched against words as written, so that a prefix longer than a word's stem still
# finds it ("governm*": "government" is indexed as "govern"). SQLite: a second FTS5 table
# (search_raw), and search_fts loses its prefix indexes; FTS5 options are fixed at creation, so
# both are made again. PostgreSQL: a second tsvector column, search_document.prefixes. Then the
# index is rebuilt.
def recreate(apps, schema_editor):
    connection = schema_editor.connection
    from newsdesk.search.backends import backend_for

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS search_fts")
            cursor.execute("DROP TABLE IF EXISTS search_raw")
    backend_for(connection).rebuild(connection)


class Migration(migrations.Migration):
    dependencies = [("search", "0002_prefix_indexes")]

    operations = [
        migrations.CreateModel(
            name="SqliteRawEntry",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        db_column="rowid",
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_raw",
                        serialize=False,
                        to="articles.article",
                    ),
                ),
                ("fts", newsdesk.search.models.FtsTableField(db_column="search_raw")),
                ("position", models.BigIntegerField(db_column="_rowid_")),
            ],
            options={"db_table": "search_raw", "managed": False},
        ),
        migrations.AddField(
            model_name="postgresdocument",
            name="prefixes",
            field=django.contrib.postgres.search.SearchVectorField(),
        ),
        migrations.RunPython(recreate, migrations.RunPython.noop),
    ]
