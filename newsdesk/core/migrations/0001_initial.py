from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="TaskFailure",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("task_path", models.CharField(help_text="The task function, by module path.", max_length=255)),
                ("args", models.JSONField(blank=True, default=list)),
                ("kwargs", models.JSONField(blank=True, default=dict)),
                ("result_id", models.CharField(blank=True, max_length=64)),
                ("error", models.TextField(blank=True)),
                ("failed_at", models.DateTimeField(auto_now_add=True)),
                ("resolved_at", models.DateTimeField(blank=True, null=True)),
                ("resolution", models.CharField(blank=True, max_length=200)),
            ],
            options={
                "ordering": ["-failed_at", "-id"],
                "indexes": [models.Index(fields=["resolved_at"], name="taskfailure_open_idx")],
            },
        ),
    ]
