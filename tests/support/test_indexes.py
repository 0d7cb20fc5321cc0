"""The conversations' and messages' indexes on PostgreSQL: every message inserts a row into one
table and updates a row of the other (never a HOT update: it changes last_message_at), writing
an entry into each of their indexes, so none may be one that another already serves
(docs/performance.md, "What limits it now")."""

import pytest
from django.db import connection

from support.models import Conversation, Message

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's catalog"),
]


def btree_indexes(table: str) -> list[tuple[str, list[int], bool, bool]]:
    """(name, its key columns' numbers (0: an expression), unique, partial) per B-tree index."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, i.indkey::int2[]::int[], i.indisunique, i.indpred IS NOT NULL "
            "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am am ON am.oid = c.relam "
            "WHERE i.indrelid = %s::regclass AND am.amname = 'btree'",
            [table],
        )
        return cursor.fetchall()


@pytest.mark.parametrize("model", [Conversation, Message])
def test_no_index_is_the_leading_columns_of_another(model):
    indexes = btree_indexes(model._meta.db_table)
    redundant = [
        (name, other)
        for name, keys, unique, partial in indexes
        if not unique and not partial and 0 not in keys
        for other, other_keys, _unique, other_partial in indexes
        if other != name and not other_partial and other_keys[: len(keys)] == keys
    ]
    assert redundant == []
    # The check sees the foreign keys' and the composite indexes it compares.
    assert len(indexes) >= 3
