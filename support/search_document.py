"""The stored search document of messages and contacts.

`search_document` is a generated column over `search_text` (the folded words): on
PostgreSQL `to_tsvector('simple', search_text)`, stored, so the GIN index holds it and a row
checked outside the index (a newest-first scan that stops after one page) costs a cheap `@@`,
not a re-parse of its text; on SQLite, which has no full-text type, a plain copy of the text
(search there uses LIKE on `search_text`).
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Func, Value
from django.db.models.functions import Coalesce


class SearchDocument(Func):
    output_field = SearchVectorField()

    def __init__(self, field: str):
        super().__init__(Coalesce(field, Value("")))

    def as_sql(self, compiler, connection, **extra):
        # Not PostgreSQL: the text itself (never queried, see support.search.matching).
        return compiler.compile(self.source_expressions[0])

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection, template="to_tsvector('simple'::regconfig, %(expressions)s)"
        )


def search_text_field() -> models.TextField:
    """The folded words of a model's searchable text (support.text.search_words), kept by the
    services that write that text."""
    return models.TextField(editable=False, blank=True, default="")


def search_document_field() -> models.GeneratedField:
    """The stored search document over the model's `search_text` (GIN-indexed on PostgreSQL
    by the model's migrations)."""
    return models.GeneratedField(
        expression=SearchDocument("search_text"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
