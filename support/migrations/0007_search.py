"""Search columns: folded words for full-text search, a GIN index on PostgreSQL.

The backfill folds existing rows in batches (support.text.search_words). The GIN index
over to_tsvector('simple', search_text) exists on PostgreSQL only (SQLite has no such
index and searches with LIKE); its expression is the one support.search.search_vector()
builds, so `@@` matches use it.
"""

import django.db.models.deletion
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations, models

INDEX_NAME = "contact_search_vector_idx"
BATCH = 2000


def backfill(apps, schema_editor):
    from support.text import search_words

    model = apps.get_model("support", "Contact")
    fields = ("name", "email", "phone", "external_id")
    last = 0
    while True:
        rows = list(model.objects.filter(pk__gt=last).order_by("pk").only("pk", *fields)[:BATCH])
        if not rows:
            return
        for row in rows:
            row.search_text = search_words(*(getattr(row, field) for field in fields))
        model.objects.bulk_update(rows, ["search_text"])
        last = rows[-1].pk


def _index() -> GinIndex:
    return GinIndex(SearchVector("search_text", config="simple"), name=INDEX_NAME)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("support", "Contact"), _index())


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("support", "Contact"), _index())


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0006_rating_prompt"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.CreateModel(
            name="ContactChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "field",
                    models.CharField(
                        choices=[("name", "Name"), ("email", "Email")],
                        max_length=16,
                        verbose_name="field",
                    ),
                ),
                (
                    "old_value",
                    models.CharField(blank=True, max_length=254, verbose_name="old value"),
                ),
                (
                    "new_value",
                    models.CharField(blank=True, max_length=254, verbose_name="new value"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="changed at")),
                (
                    "changed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="changed by",
                    ),
                ),
                (
                    "contact",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="changes",
                        to="support.contact",
                        verbose_name="contact",
                    ),
                ),
            ],
            options={
                "verbose_name": "contact change",
                "verbose_name_plural": "contact changes",
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(fields=["contact", "-id"], name="contact_change_contact_idx")
                ],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
