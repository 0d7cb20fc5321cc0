"""Search columns: folded words for full-text search, a GIN index on PostgreSQL.

The backfill folds existing rows in batches (support.text.search_words). The GIN index
over to_tsvector('simple', search_text) exists on PostgreSQL only (SQLite has no such
index and searches with LIKE); its expression is the one support.search.search_vector()
builds, so `@@` matches use it.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations, models

INDEX_NAME = "message_search_vector_idx"
BATCH = 2000


def backfill(apps, schema_editor):
    from support.text import search_words

    model = apps.get_model("chat", "Message")
    fields = ("body",)
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
        schema_editor.add_index(apps.get_model("chat", "Message"), _index())


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("chat", "Message"), _index())


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
