"""The stored tsvector of the search words, and its GIN index (PostgreSQL only).

Replaces the expression index of the previous migration: with the vector stored, a row the
planner checks outside the index (a newest-first scan that stops after one page) costs a cheap
`@@` instead of re-parsing its text. SQLite keeps a plain copy and searches with LIKE.
"""

import django.contrib.postgres.search
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations, models

import support.search_document

OLD_INDEX = "message_search_vector_idx"
INDEX = GinIndex(fields=["search_document"], name="message_search_document_idx")


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_INDEX}")
        schema_editor.add_index(apps.get_model("chat", "Message"), INDEX)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        model = apps.get_model("chat", "Message")
        schema_editor.remove_index(model, INDEX)
        old = GinIndex(SearchVector("search_text", config="simple"), name=OLD_INDEX)
        schema_editor.add_index(model, old)


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0002_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="search_document",
            field=models.GeneratedField(db_persist=True, expression=support.search_document.SearchDocument("search_text"), output_field=django.contrib.postgres.search.SearchVectorField()),
        ),
        migrations.RunPython(create_index, drop_index),
    ]
