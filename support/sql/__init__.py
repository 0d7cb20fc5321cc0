"""The hand-written SQL of the hot path, fenced in one package: the message path here, rows
in and out as the ORM does it in `rows`, the rate-limit counters in `counters`.

Fixed-shape statements for the message path, where compiling the ORM's SQL for every message
cost more server CPU than running it. Their text is built once per process from the models'
_meta (identifiers quoted by the connection, every value a parameter); each one has a test
proving it loads or writes what its ORM form does, on SQLite and PostgreSQL
(tests/support/test_sql.py, test_orm.py, test_selectors.py). No other product module runs SQL
by hand.
"""

import re
from collections.abc import Callable, Sequence

from django.db import connections, router
from django.db.transaction import TransactionManagementError
from django.utils.translation import gettext as _

from .. import errors, visibility
from ..models import AgentProfile, Contact, Conversation, Message, Widget
from .counters import rate_limit_bucket_hit
from .rows import RowColumns, fields_save, row_insert

__all__ = [
    "RowColumns",
    "contact_token_state",
    "conversation_lock_for_message",
    "fields_save",
    "message_insert_locked",
    "message_insert_unless_known",
    "rate_limit_bucket_hit",
    "read_marks_move",
    "row_insert",
]


def _token_check_statement(connection) -> str:
    quote = connection.ops.quote_name
    meta, widget_meta = Contact._meta, Widget._meta
    widget_field = meta.get_field("widget")
    contacts, widgets = quote(meta.db_table), quote(widget_meta.db_table)

    def column(table: str, model_meta, name: str) -> str:
        return f"{table}.{quote(model_meta.get_field(name).column)}"

    return (
        f"SELECT {column(contacts, meta, 'token_version')}, "  # noqa: S608
        f"{column(contacts, meta, 'identified')}, "
        f"{column(widgets, widget_meta, 'require_verified_identity')} "
        f"FROM {contacts} INNER JOIN {widgets} ON ({contacts}.{quote(widget_field.column)} = "
        f"{widgets}.{quote(widget_field.target_field.column)}) "
        f"WHERE {contacts}.{quote(meta.pk.column)} = %s "
        f"AND {contacts}.{quote(widget_field.column)} = %s "
        f"AND {column(widgets, widget_meta, 'is_active')} = %s"
    )


# Per database alias: the text of contact_token_state's statement.
_token_checks: dict[str, str] = {}


def contact_token_state(*, contact_id, widget_id) -> tuple[int, bool, bool] | None:
    """The contact's token version, whether it is identified and whether its widget requires
    identity, for a contact of an active widget (None otherwise), as

        Contact.objects.filter(pk=contact_id, widget_id=widget_id, widget__is_active=True)
        .values_list("token_version", "identified", "widget__require_verified_identity")

    would (compiling that for every message was ~4% of server CPU under load)."""
    connection = connections[router.db_for_read(Contact)]
    sql = _token_checks.get(connection.alias)
    if sql is None:
        sql = _token_checks[connection.alias] = _token_check_statement(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [contact_id, widget_id, True])
        row = cursor.fetchone()
    if row is None:
        return None
    token_version, identified, requires_identity = row
    return token_version, bool(identified), bool(requires_identity)  # SQLite answers 0/1


# Per (database alias, for an agent's reply): the lock statement's text and the column groups
# it returns.
_message_locks: dict[tuple[str, bool], tuple[str, RowColumns, RowColumns, RowColumns]] = {}


def conversation_lock_for_message(
    *, conversation_id: int, visible_to: AgentProfile | None = None
) -> Conversation:
    """The conversation, row-locked until the transaction ends, with its contact, its rating
    (or the knowledge that it has none), `has_labels` and its contact's widget's
    `widget_is_active` and `widget_requires_identity` (a visitor's token is checked against
    them: visitor_token_check_locked), loaded as

        Conversation.objects.select_for_update(of=("self",)).select_related("contact",
        "rating").annotate(has_labels=conversation_has_labels(),
        widget_is_active=F("contact__widget__is_active"), widget_requires_identity=
        F("contact__widget__require_verified_identity")).get(pk=conversation_id)

    would, but from one fixed statement: compiling that query for every message was ~7% of
    server CPU under load. Raises Conversation.DoesNotExist as get() does. SQLite has no row
    locks (its writes are serialised anyway) and, as the ORM does there, gets no lock clause.

    `visible_to`: an agent's reply; a conversation the console's visibility rule
    (support.visibility) hides from this agent is not locked, and NotFound is raised for it
    as for a missing one (the rule rides on the lock: no check of its own, one round trip).
    """
    connection = connections[router.db_for_write(Conversation)]
    by_agent = visible_to is not None and not visible_to.is_supervisor
    key = (connection.alias, by_agent)
    statement = _message_locks.get(key)
    if statement is None:
        statement = _message_locks[key] = _message_lock_statement(connection, by_agent=by_agent)
    sql, conversation_columns, contact_columns, rating_columns = statement
    params = [conversation_id]
    if by_agent:
        params += visibility.agent_visibility_params(visible_to)
    if connection.features.has_select_for_update and connection.get_autocommit():
        # What the ORM says for a lock that would end with its statement.
        raise TransactionManagementError(
            "select_for_update cannot be used outside of a transaction."
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return _locked_conversation(
        row, connection, (conversation_columns, contact_columns, rating_columns), visible_to
    )


def _locked_conversation(row, connection, groups, visible_to) -> Conversation:
    """The lock statement's row as conversation_lock_for_message returns it."""
    conversation_columns, contact_columns, rating_columns = groups
    if row is None and visible_to is not None:
        raise errors.NotFound(_("No such conversation."))
    if row is None:
        raise Conversation.DoesNotExist(
            f"{Conversation._meta.object_name} matching query does not exist."
        )
    end = len(conversation_columns)
    conversation = conversation_columns.load(row[:end], connection)
    # SQLite answers 0/1 for booleans.
    conversation.has_labels = bool(row[end])
    conversation.widget_is_active = bool(row[end + 1])
    conversation.widget_requires_identity = bool(row[end + 2])
    end += 3
    contact = contact_columns.load(row[end : end + len(contact_columns)], connection)
    rating = rating_columns.load(row[end + len(contact_columns) :], connection)
    # The caches select_related fills: conversation.contact, conversation.rating (None: a
    # reverse one-to-one that raises RelatedObjectDoesNotExist without a query) and
    # rating.conversation.
    Conversation.contact.field.set_cached_value(conversation, contact)
    Conversation.rating.related.set_cached_value(conversation, rating)
    if rating is not None:
        Conversation.rating.related.field.set_cached_value(rating, conversation)
    return conversation


def _message_lock_statement(
    connection, *, by_agent: bool
) -> tuple[str, RowColumns, RowColumns, RowColumns]:
    columns, from_where, lock, groups = _message_lock_parts(connection, by_agent=by_agent)
    return f"SELECT {', '.join(columns)}{from_where}{lock}", *groups


def _message_lock_parts(
    connection, *, by_agent: bool
) -> tuple[list[str], str, str, tuple[RowColumns, RowColumns, RowColumns]]:
    """The lock statement's pieces: its columns, its FROM and WHERE (parameters: the
    conversation id, then agent_visibility_params when `by_agent`), its lock clause, and the
    column groups. The tables go by short aliases: psycopg parses a statement's text for
    every run once it is longer than MAX_CACHED_STATEMENT_LENGTH (4,096 characters), and
    message_insert_locked's would be."""
    contact_field = Conversation._meta.get_field("contact")
    rating_field = Conversation._meta.get_field("rating").field  # Rating.conversation
    labels_field = Conversation._meta.get_field("labels")
    quote = connection.ops.quote_name
    conversations, contacts, widgets, ratings = (
        quote(alias) for alias in ("conversation", "contact", "widget", "rating")
    )
    conversation_columns = RowColumns(Conversation, connection, table=conversations)
    contact_columns = RowColumns(contact_field.related_model, connection, table=contacts)
    rating_columns = RowColumns(rating_field.model, connection, table=ratings)
    widget_field = contact_field.related_model._meta.get_field("widget")
    widget_meta = widget_field.related_model._meta
    links = quote(labels_field.m2m_db_table())
    conversation_id = f"{conversations}.{quote(Conversation._meta.pk.column)}"
    # The through table alone answers "has labels": its foreign key guarantees the label.
    link_conversation = f"{links}.{quote(labels_field.m2m_column_name())}"
    has_labels = f"EXISTS(SELECT 1 FROM {links} WHERE {link_conversation} = {conversation_id})"  # noqa: S608
    lock = ""
    if connection.features.has_select_for_update:
        of = (conversations,) if connection.features.has_select_for_update_of else ()
        lock = " " + connection.ops.for_update_sql(of=of)
    widget_flags = [
        f"{widgets}.{quote(widget_meta.get_field(name).column)}"
        for name in ("is_active", "require_verified_identity")
    ]
    columns = [
        *conversation_columns.columns,
        has_labels,
        *widget_flags,
        *contact_columns.columns,
        *rating_columns.columns,
    ]
    tables = {
        conversations: Conversation,
        contacts: contact_field.related_model,
        widgets: widget_field.related_model,
        ratings: rating_field.model,
    }
    table = {alias: f"{quote(model._meta.db_table)} {alias}" for alias, model in tables.items()}
    from_where = (
        f" FROM {table[conversations]} "
        f"INNER JOIN {table[contacts]} ON ({conversations}.{quote(contact_field.column)} = "
        f"{contacts}.{quote(contact_field.target_field.column)}) "
        f"INNER JOIN {table[widgets]} ON ({contacts}.{quote(widget_field.column)} = "
        f"{widgets}.{quote(widget_field.target_field.column)}) "
        f"LEFT OUTER JOIN {table[ratings]} ON ({conversation_id} = "
        f"{ratings}.{quote(rating_field.column)}) "
        f"WHERE {conversation_id} = %s"
        + (
            f" AND {visibility.agent_visibility_sql(connection, table=conversations)}"
            if by_agent
            else ""
        )
    )
    return columns, from_where, lock, (conversation_columns, contact_columns, rating_columns)


def _message_insert_fields() -> list:
    # What Django's own INSERT writes: no primary key, no generated (database-computed) column.
    return [f for f in Message._meta.local_concrete_fields if not f.primary_key and not f.generated]


def _message_insert_sql(connection, fields, values: str) -> str:
    """INSERT … `values` ON CONFLICT DO NOTHING RETURNING id, the message's statement."""
    quote = connection.ops.quote_name
    return (
        f"INSERT INTO {quote(Message._meta.db_table)} "
        f"({', '.join(quote(f.column) for f in fields)}) {values} "
        f"ON CONFLICT ({quote('conversation_id')}, {quote('client_id')}) "
        f"WHERE {quote('client_id')} IS NOT NULL DO NOTHING RETURNING {quote('id')}"
    )


def _message_inserted(message: Message, row, connection) -> bool:
    if row is None or row[0] is None:
        return False
    message.pk = row[0]
    message._state.adding = False
    message._state.db = connection.alias
    return True


def message_insert_unless_known(*, message: Message) -> bool:
    """Insert a new message as `message.save(force_insert=True)` would, unless its
    conversation already has one with its client_id: then nothing is written and False comes
    back. One statement (INSERT … ON CONFLICT DO NOTHING RETURNING) instead of a look-up, a
    savepoint and an insert: the partial unique constraint on (conversation, client_id) decides.
    """
    fields = _message_insert_fields()
    connection = connections[router.db_for_write(Message)]
    sql = _message_insert_sql(connection, fields, f"VALUES ({', '.join(['%s'] * len(fields))})")
    params = [f.get_db_prep_save(f.pre_save(message, add=True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return _message_inserted(message, row, connection)


LENGTH_RE = re.compile(r"\(\d+\)$")
# Per (database alias, by an agent, the fields set, the sender's side): the statement's text,
# its column groups and the fields it inserts.
_message_writes: dict[tuple, tuple[str, tuple, list]] = {}


def message_insert_locked(
    *,
    message: Message,
    visible_to: AgentProfile | None,
    fields: Callable[[Message], dict[str, object]],
    side: str,
    other: str,
) -> Conversation:
    """conversation_lock_for_message(message.conversation_id, visible_to), then
    message_insert_unless_known(message) and, when it inserted, what every person's message
    does to its conversation, as

        Conversation.objects.filter(pk=…).update(**fields(message),
        <side>_last_read_id=message.pk,
        <side>_unread_count=0, <other>_unread_count=F("<other>_unread_count") + 1)

    would: on PostgreSQL one statement (a CTE: the lock, the insert from the locked row, the
    update from the insert), elsewhere the three in turn. The conversation comes back as the
    lock loaded it, before the update (the caller folds the message in as usual and saves
    only what changed beyond this); message.pk stays None when its client_id was known.
    NotFound / Conversation.DoesNotExist as conversation_lock_for_message, with nothing
    written."""
    connection = connections[router.db_for_write(Conversation)]
    by_agent = visible_to is not None and not visible_to.is_supervisor
    conversation_id = message.conversation_id
    access = visibility.agent_visibility_params(visible_to) if by_agent else []
    if connection.vendor != "postgresql":
        conversation = conversation_lock_for_message(
            conversation_id=conversation_id, visible_to=visible_to
        )
        if message_insert_unless_known(message=message):
            names, values = _conversation_values(fields(message), connection)
            sql = _person_update_sql(connection, names, side, other, read_id="%s")
            with connection.cursor() as cursor:
                cursor.execute(sql, [*values, message.pk, conversation_id])
        return conversation
    inserted = [
        f.get_db_prep_save(f.pre_save(message, add=True), connection)
        for f in _message_insert_fields()
    ]
    # From the message as it is stored (pre_save stamps created_at).
    names, values = _conversation_values(fields(message), connection)
    if connection.get_autocommit():
        raise TransactionManagementError(
            "select_for_update cannot be used outside of a transaction."
        )
    key = (connection.alias, by_agent, names, side)
    statement = _message_writes.get(key)
    if statement is None:
        statement = _message_writes[key] = _message_write_statement(
            connection, by_agent=by_agent, names=names, side=side, other=other
        )
    sql, groups = statement
    with connection.cursor() as cursor:
        cursor.execute(sql, [conversation_id, *access, *inserted, *values, conversation_id])
        row = cursor.fetchone()
    conversation = _locked_conversation(row and row[:-1], connection, groups, visible_to)
    _message_inserted(message, row[-1:], connection)
    return conversation


def _conversation_values(changes: dict, connection) -> tuple[tuple, list]:
    values = [
        Conversation._meta.get_field(name).get_db_prep_save(value, connection)
        for name, value in changes.items()
    ]
    return tuple(changes), values


def _person_update_sql(connection, names, side: str, other: str, *, read_id: str) -> str:
    meta = Conversation._meta
    quote = connection.ops.quote_name
    mark, count, other_count = (
        quote(meta.get_field(name).column)
        for name in (f"{side}_last_read_id", f"{side}_unread_count", f"{other}_unread_count")
    )
    sets = [f"{quote(meta.get_field(name).column)} = %s" for name in names]
    sets += [f"{mark} = {read_id}", f"{count} = 0", f"{other_count} = {other_count} + 1"]
    where = f" WHERE {quote(meta.db_table)}.{quote(meta.pk.column)} = %s"
    if read_id != "%s":
        where = f" FROM m{where}"
    return f"UPDATE {quote(meta.db_table)} SET {', '.join(sets)}{where}"  # noqa: S608


def _message_write_statement(connection, *, by_agent: bool, names, side: str, other: str):
    """message_insert_locked's CTE. Parameters: the lock's, the message's values, the update's
    values, the conversation id. Its data dependencies order it: the insert reads the locked
    row (none: nothing inserted), the update reads the insert's id."""
    columns, from_where, lock, groups = _message_lock_parts(connection, by_agent=by_agent)
    quote = connection.ops.quote_name
    # Columns of the same name (each table's id) may share a CTE: only c.* reads them.
    aliased = ", ".join(columns)
    # Typed, as VALUES would type them from the target columns; without a length, which a
    # cast would cut values to where the insert refuses them.
    fields = _message_insert_fields()
    types = [LENGTH_RE.sub("", f.cast_db_type(connection)) for f in fields]
    casts = ", ".join(f"CAST(%s AS {name})" for name in types)
    insert = _message_insert_sql(connection, fields, f"SELECT {casts} FROM c")  # noqa: S608
    update = _person_update_sql(connection, names, side, other, read_id=f"m.{quote('id')}")
    sql = (
        f"WITH c AS (SELECT {aliased}{from_where}{lock}), "  # noqa: S608
        f"m AS ({insert}), u AS ({update}) "
        f"SELECT c.*, (SELECT m.{quote('id')} FROM m) FROM c"
    )
    return sql, groups


# Per (database alias, the sides and their senders, how many marks): read_marks_move's text.
_read_marks: dict[tuple, str] = {}


def read_marks_move(
    *, marks: Sequence[tuple[int, str, int]], senders: dict[str, Sequence[str]]
) -> dict[int, tuple[int, int | None, int | None]]:
    """For each mark (conversation id, side, up_to), a conversation at most once: move
    `side`'s read mark to min(up_to, the conversation's newest message id) when that is ahead
    of it, and drop its unread count by the messages of `senders[side]` it passes over. By
    conversation id, for the marks that moved: the new mark with the conversation's team and
    assignee ids. One statement for them all; for each mark, as the ORM would with a look-up,
    then an UPDATE with a correlated Subquery, Greatest and Coalesce (that cost ~3 ms of query
    compilation per mark). A row is written once per statement: hence one mark per
    conversation."""
    if not marks:
        return {}
    connection = connections[router.db_for_write(Conversation)]
    sides = tuple((side, tuple(names)) for side, names in senders.items())
    key = (connection.alias, sides, len(marks))
    sql = _read_marks.get(key)
    if sql is None:
        sql = _read_marks[key] = _read_marks_statement(connection, sides, len(marks))
    params = [value for mark in marks for value in mark]
    for side, names in sides:
        params += [side, side, *names]
    for side, _names in sides:
        params.append(side)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    side_of = {conversation_id: side for conversation_id, side, _up_to in marks}
    marks_at = {side: index for index, (side, _names) in enumerate(sides)}
    return {row[0]: (row[1 + marks_at[side_of[row[0]]]], *row[-2:]) for row in rows}


def _read_marks_statement(connection, sides, count: int) -> str:
    """WITH the marks, UPDATE … FROM them with their targets (each capped at the newest
    message id) … RETURNING. Parameters: each mark's (id, side, up_to); per side its name
    twice and its senders (the SET); per side its name (the WHERE)."""
    quote = connection.ops.quote_name
    least, greatest = ("LEAST", "GREATEST") if connection.vendor == "postgresql" else ("MIN", "MAX")
    messages, conversations = quote(Message._meta.db_table), quote(Conversation._meta.db_table)
    meta = Conversation._meta
    team, assignee = (quote(meta.get_field(name).column) for name in ("team", "assignee"))
    mark_row = "(CAST(%s AS bigint), CAST(%s AS varchar(16)), CAST(%s AS bigint))"
    sets, moves, marks = [], [], []
    for side, names in sides:
        mark, unread = quote(f"{side}_last_read_id"), quote(f"{side}_unread_count")
        passed = (
            f"(SELECT COUNT(*) FROM {messages} AS x WHERE x.conversation_id = c.id "  # noqa: S608
            f"AND x.sender_type IN ({', '.join(['%s'] * len(names))}) "
            f"AND x.id > c.{mark} AND x.id <= m.up_to)"
        )
        sets += [
            f"{mark} = CASE WHEN m.side = %s THEN m.up_to ELSE c.{mark} END",
            f"{unread} = CASE WHEN m.side = %s THEN {greatest}(c.{unread} - {passed}, 0) "
            f"ELSE c.{unread} END",
        ]
        moves.append(f"(m.side = %s AND c.{mark} < m.up_to)")
        marks.append(mark)
    # Materialized: each target (the newest message id's look-up) worked out once, not again
    # in every place the statement reads it.
    return (
        f"WITH v (id, side, up_to) AS (VALUES {', '.join([mark_row] * count)}), "  # noqa: S608
        f"m AS MATERIALIZED (SELECT v.id AS conversation, v.side, {least}(v.up_to, "
        f"COALESCE((SELECT MAX(x.id) FROM {messages} AS x WHERE x.conversation_id = v.id), 0)) "
        f"AS up_to FROM v) "
        f"UPDATE {conversations} AS c SET {', '.join(sets)} "
        f"FROM m WHERE c.id = m.conversation AND ({' OR '.join(moves)}) "
        # Unqualified: SQLite's RETURNING names the updated table's columns only.
        f"RETURNING {quote(meta.pk.column)}, {', '.join(marks)}, {team}, {assignee}"
    )
