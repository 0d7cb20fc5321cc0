"""Rows in and out of the fenced statements as the ORM reads and writes them (support.sql)."""

from collections.abc import Sequence

from django.db import DatabaseError, connections, router, transaction
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, post_save, pre_init, pre_save

PLAIN_ATTRIBUTES = (DeferredAttribute, ForeignKeyDeferredAttribute)


class RowColumns:
    """A model's columns as select_related selects them (every concrete field, in order), and
    their values back into an instance as the ORM does: the backend's and the fields'
    converters, then Model.from_db (so `_state.db` and `_state.adding` are right)."""

    def __init__(self, model, connection, *, table: str | None = None):
        """`table`: the table's alias in the statement (quoted), if it has one."""
        meta = model._meta
        self.model = model
        self.attnames = tuple(f.attname for f in meta.concrete_fields)
        self.pk_index = meta.concrete_fields.index(meta.pk)
        quote = connection.ops.quote_name
        table = table or quote(meta.db_table)
        self.columns = [f"{table}.{quote(f.column)}" for f in meta.concrete_fields]
        # from_db's own construction, or the values straight into the instance's dict: the
        # same for a model with no __init__ or from_db of its own whose fields' attributes
        # only read that dict (or, a foreign key's, forget a cached object a new one lacks).
        self.plain = (
            model.__init__ is Model.__init__
            and model.from_db.__func__ is Model.from_db.__func__
            and all(type(getattr(model, name, None)) in PLAIN_ATTRIBUTES for name in self.attnames)
        )
        # What the ORM's compiler applies to each column (SQLite: datetimes and booleans
        # arrive as text and integers; both: JSON arrives as text).
        self.converters = []
        for index, field in enumerate(meta.concrete_fields):
            column = field.get_col(meta.db_table)
            converters = connection.ops.get_db_converters(column) + column.get_db_converters(
                connection
            )
            if converters:
                self.converters.append((index, column, converters))

    def __len__(self) -> int:
        return len(self.attnames)

    def load(self, values: Sequence, connection):
        """The instance, or None when the row is absent (a LEFT JOIN's NULL primary key)."""
        if values[self.pk_index] is None:
            return None
        values = list(values)
        for index, column, converters in self.converters:
            for converter in converters:
                values[index] = converter(values[index], column, connection)
        model = self.model
        if not self.plain or pre_init.has_listeners(model) or post_init.has_listeners(model):
            return model.from_db(connection.alias, self.attnames, values)
        # What from_db does for a plain model, without Model.__init__'s setattr per field
        # (a quarter of this row's time for a conversation): each value in the instance's
        # dict, where its attribute reads it.
        instance = model.__new__(model)
        instance._state = ModelState()
        instance.__dict__.update(zip(self.attnames, values, strict=True))
        instance._state.adding = False
        instance._state.db = connection.alias
        return instance


# (model, database alias, field names) → (UPDATE text, the fields it sets, in its order).
_updates: dict[tuple, tuple[str, list]] = {}


def fields_save(*, instance, fields: Sequence[str]) -> None:
    """`instance.save(update_fields=fields)` as one fixed-shape UPDATE, its text built once per
    model and field set: the same columns in the same order, the same values (`pre_save`,
    `get_db_prep_save`), the same error when no row matched. The ORM's save runs instead when
    anything listens to the model's pre_save/post_save signals, for a model with parents, or
    for an expression value (F(…)), which only the ORM resolves: nothing save() does is lost.
    """
    model = type(instance)
    if (
        not fields
        or model._meta.parents
        or pre_save.has_listeners(model)
        or post_save.has_listeners(model)
    ):
        instance.save(update_fields=fields)
        return
    connection = connections[router.db_for_write(model, instance=instance)]
    key = (model, connection.alias, tuple(fields))
    statement = _updates.get(key)
    if statement is None:
        statement = _update_statement(model, connection, fields)
        if statement is None:  # a name save() refuses: let it say so
            instance.save(update_fields=fields)
            return
        _updates[key] = statement
    sql, model_fields = statement
    params = _values_prepared(instance, model_fields, connection, add=False)
    if params is None:
        instance.save(update_fields=fields)
        return
    params.append(model._meta.pk.get_db_prep_value(instance.pk, connection))
    with (
        transaction.mark_for_rollback_on_error(using=connection.alias),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)
        matched = cursor.rowcount
    if not matched:
        raise DatabaseError("Save with update_fields did not affect any rows.")
    instance._state.db = connection.alias
    instance._state.adding = False


def _values_prepared(instance, model_fields, connection, *, add: bool) -> list | None:
    """The fields' values as save() sends them (`pre_save`, `get_db_prep_save`), or None for
    an expression value (F(…)), which only the ORM resolves."""
    values = [field.pre_save(instance, add) for field in model_fields]
    if any(hasattr(value, "resolve_expression") for value in values):
        return None
    return [
        field.get_db_prep_save(value, connection)
        for field, value in zip(model_fields, values, strict=True)
    ]


def _update_statement(model, connection, fields: Sequence[str]) -> tuple[str, list] | None:
    meta = model._meta
    names = set(fields)
    # What Model._save_table writes: the named local concrete fields, in the model's order,
    # never the primary key or a generated column.
    model_fields = [
        f
        for f in meta.local_concrete_fields
        if not f.primary_key and not f.generated and (f.name in names or f.attname in names)
    ]
    known = {f.name for f in model_fields} | {f.attname for f in model_fields}
    if not names <= known:
        return None
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(meta.db_table)} SET "  # noqa: S608
        f"{', '.join(f'{quote(f.column)} = %s' for f in model_fields)} "
        f"WHERE {quote(meta.pk.column)} = %s"
    )
    return sql, model_fields


# (model, database alias) → (INSERT text, the fields it writes, in its order).
_inserts: dict[tuple, tuple[str, list]] = {}


def row_insert(*, instance) -> None:
    """`instance.save(force_insert=True)` for a new row with a database-made primary key, as
    one fixed-shape INSERT … RETURNING it, its text built once per model: the same columns
    in the same order, the same values (`pre_save` with add, `get_db_prep_save`). The ORM's
    save runs instead where fields_save would let it (signals, parents, expressions), for a
    primary key already set, and where the database returns nothing from an INSERT."""
    model = type(instance)
    connection = connections[router.db_for_write(model, instance=instance)]
    if (
        instance.pk is not None
        or model._meta.parents
        or pre_save.has_listeners(model)
        or post_save.has_listeners(model)
        or not connection.features.can_return_columns_from_insert
    ):
        instance.save(force_insert=True)
        return
    key = (model, connection.alias)
    statement = _inserts.get(key)
    if statement is None:
        statement = _inserts[key] = _insert_statement(model, connection)
    sql, model_fields = statement
    params = _values_prepared(instance, model_fields, connection, add=True)
    if params is None:
        instance.save(force_insert=True)
        return
    with (
        transaction.mark_for_rollback_on_error(using=connection.alias),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)
        instance.pk = cursor.fetchone()[0]
    instance._state.db = connection.alias
    instance._state.adding = False


def _insert_statement(model, connection) -> tuple[str, list]:
    meta = model._meta
    # What Model._save_table inserts for a new row: the local concrete fields, never the
    # (database-made) primary key or a generated column.
    model_fields = [f for f in meta.local_concrete_fields if not f.primary_key and not f.generated]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(f.column) for f in model_fields)}) "
        f"VALUES ({', '.join(['%s'] * len(model_fields))}) RETURNING {quote(meta.pk.column)}"
    )
    return sql, model_fields
