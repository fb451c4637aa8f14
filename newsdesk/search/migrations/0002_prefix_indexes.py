from django.db import migrations


# SQLite: FTS5 prefix indexes for 3, 4 and 5 letters (a prefix query such as "elect*" is then one
# doclist read instead of a merge over every word that starts so). FTS5 options are fixed at
# creation: the table is made again and the index rebuilt.
def recreate(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    from newsdesk.search.backends import backend_for

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS search_fts")
    backend_for(connection).rebuild(connection)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(recreate, migrations.RunPython.noop)]
