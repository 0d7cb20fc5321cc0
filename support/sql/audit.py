"""The audit log's one statement (support.services.audit_record appends every line with it)."""

from django.db import connections, router, transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from ..models import AuditEvent

# Per database alias: audit_event_insert's statement and the fields it writes, in its order.
_inserts: dict[str, tuple[str, list]] = {}


def _insert_statement(connection) -> tuple[str, list]:
    meta = AuditEvent._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})", fields  # noqa: S608


def audit_event_insert(**values) -> None:
    """`AuditEvent.objects.create(**values)` (by attribute name: `actor_id`) as one INSERT:
    no instance, no RETURNING (nothing reads the new line's id), the values prepared as save()
    prepares them, each field not given its default, `created_at` now as auto_now_add stamps
    it. The ORM's create runs instead when anything listens to the model's save signals."""
    if pre_save.has_listeners(AuditEvent) or post_save.has_listeners(AuditEvent):
        AuditEvent.objects.create(**values)
        return
    connection = connections[router.db_for_write(AuditEvent)]
    statement = _inserts.get(connection.alias)
    if statement is None:
        statement = _inserts[connection.alias] = _insert_statement(connection)
    sql, fields = statement
    unknown = set(values) - {f.attname for f in fields}
    if unknown:
        raise TypeError(f"AuditEvent has no field {sorted(unknown)[0]!r}.")
    values = {"created_at": timezone.now(), **values}
    params = [
        f.get_db_prep_save(
            values[f.attname] if f.attname in values else f.get_default(), connection
        )
        for f in fields
    ]
    with (
        transaction.mark_for_rollback_on_error(using=connection.alias),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)
