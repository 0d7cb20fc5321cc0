"""Room on each page of the conversations' table for HOT updates (PostgreSQL only).

Every message updates its conversation, and read marks update it again. A read mark changes no
indexed column, so PostgreSQL can write it as a heap-only tuple, without a new entry in each
of the table's 17 indexes, but only when the row's page has room: at the default fillfactor
(100) pages are full and ~13% of the updates under bench/realtime.py were HOT. New pages are
filled to 80% from now on (existing rows move as they are updated).
"""

from django.db import migrations

FILLFACTOR = 80


def _alter(apps, schema_editor, option: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("support", "Conversation")._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} {option}")


def fillfactor_set(apps, schema_editor):
    _alter(apps, schema_editor, f"SET (fillfactor = {FILLFACTOR})")


def fillfactor_reset(apps, schema_editor):
    _alter(apps, schema_editor, "RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0035_audit_actions_merged"),
    ]

    operations = [migrations.RunPython(fillfactor_set, fillfactor_reset)]
