"""A GIN index over the weighted search vector, on PostgreSQL only.

SQLite has no such index (and no full-text search of this kind), so the operation does
nothing there; the model state is unchanged either way. The expression is the one
`faq.selectors.search_vector()` builds, so PostgreSQL uses the index for `@@` matches.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

INDEX_NAME = "faq_article_search_vector_idx"


def _index() -> GinIndex:
    return GinIndex(
        SearchVector("search_title", weight="A", config="simple")
        + SearchVector("search_keywords", weight="B", config="simple")
        + SearchVector("search_text", weight="C", config="simple"),
        name=INDEX_NAME,
    )


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("faq", "Article"), _index())


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("faq", "Article"), _index())


class Migration(migrations.Migration):
    dependencies = [
        ("faq", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index),
    ]
