"""Migration support 0036 drops indexes only: three foreign keys' own indexes (found through
the schema editor as AlterField finds them, without AlterField's drop and re-add of each
constraint) and two others. Undone, it puts the same five back and nothing else changes."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from support.models import Conversation, Message

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("support", "0035_audit_actions_merged")
DROPPING = ("support", "0036_drop_redundant_indexes")


def constraints() -> dict[str, dict[str, tuple]]:
    """Per table: index name -> its columns, and foreign key name -> its columns."""
    found = {}
    with connection.cursor() as cursor:
        for model in (Conversation, Message):
            table = model._meta.db_table
            found[table] = {
                name: (("fk" if facts["foreign_key"] else "index"), tuple(facts["columns"]))
                for name, facts in connection.introspection.get_constraints(cursor, table).items()
                if (facts["index"] or facts["foreign_key"]) and not facts["primary_key"]
            }
    return found


def migrate_to(target) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([target])


def test_undoing_0036_puts_back_the_indexes_and_keeps_the_foreign_keys():
    now = constraints()
    migrate_to(BEFORE)
    try:
        before = constraints()
    finally:
        migrate_to(DROPPING)
    assert constraints() == now

    conversations, messages = Conversation._meta.db_table, Message._meta.db_table
    put_back = {
        table: {facts for name, facts in before[table].items() if name not in now[table]}
        for table in (conversations, messages)
    }
    assert put_back == {
        conversations: {
            ("index", ("contact_id",)),
            ("index", ("team_id",)),
            ("index", ("status", "last_message_at")),
        },
        messages: {("index", ("conversation_id",)), ("index", ("created_at",))},
    }
    # Nothing else changed: the foreign keys (SQLite reports them unnamed, by column) and the
    # other indexes are there before and after.
    for table in (conversations, messages):
        assert set(now[table].values()) <= set(before[table].values())
