"""Read marks: how far each side has read, moved in one statement."""

from typing import Any

from django.db import connections, router
from django.utils.translation import gettext as _

from .. import errors
from ..events import event_emit
from ..models import (
    Conversation,
    Message,
)

Status = Conversation.Status


# Whose messages count as unread for each side.
UNREAD_FOR = {"agent": ("visitor",), "visitor": ("agent", "bot")}


def _read_mark_move(
    *, conversation_id: int, side: str, up_to: int
) -> tuple[int, int | None, int | None] | None:
    """One statement: the mark moves to min(up_to, the newest message id) when that is ahead
    of it, and the unread count drops by the other side's messages it passes over. A
    decrement, not a recount: a message arriving meanwhile (its increment, under the row lock)
    is kept. Returns the new mark with the conversation's team and assignee ids (where its
    inbox rows show, for the publish), or None when it did not move.

    Raw SQL because it runs for every message a client shows, and the ORM version (a look-up,
    then an UPDATE with a correlated Subquery, Greatest and Coalesce) cost ~3 ms of query
    compilation per call here; identifiers come from the models, every value is a parameter.
    """
    connection = connections[router.db_for_write(Conversation)]
    quote = connection.ops.quote_name
    mark, count = quote(f"{side}_last_read_id"), quote(f"{side}_unread_count")
    senders = UNREAD_FOR[side]
    least, greatest = ("LEAST", "GREATEST") if connection.vendor == "postgresql" else ("MIN", "MAX")
    messages, conversations = quote(Message._meta.db_table), quote(Conversation._meta.db_table)
    team, assignee = (
        quote(Conversation._meta.get_field(name).column) for name in ("team", "assignee")
    )
    sql = (
        f"UPDATE {conversations} AS c SET {mark} = m.up_to, "  # noqa: S608
        f"{count} = {greatest}(c.{count} - (SELECT COUNT(*) FROM {messages} AS x "
        f"WHERE x.conversation_id = c.id AND x.sender_type IN ({', '.join(['%s'] * len(senders))}) "
        f"AND x.id > c.{mark} AND x.id <= m.up_to), 0) "
        f"FROM (SELECT {least}(%s, COALESCE(MAX(id), 0)) AS up_to FROM {messages} "
        f"WHERE conversation_id = %s) AS m "
        f"WHERE c.id = %s AND c.{mark} < m.up_to RETURNING {mark}, {team}, {assignee}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*senders, up_to, conversation_id, conversation_id])
        row = cursor.fetchone()
    return tuple(row) if row else None


def conversation_mark_read(*, conversation: Conversation, side: str, up_to: Any) -> int | None:
    """Record that one side has read up to a message id. Returns the new mark or None.

    Marks only move forward, and never past the conversation's newest message.
    """
    if side not in ("visitor", "agent"):
        raise errors.InvalidInput(_("side must be visitor or agent."))
    if not isinstance(up_to, int) or isinstance(up_to, bool) or up_to < 0:
        raise errors.InvalidInput(_("up_to must be a message id."))
    # No message id is larger than a BIGINT (and SQLite refuses larger numbers).
    up_to = min(up_to, 2**63 - 1)
    moved = _read_mark_move(conversation_id=conversation.pk, side=side, up_to=up_to)
    if moved is None:
        return None
    up_to, team_id, assignee_id = moved
    setattr(conversation, f"{side}_last_read_id", up_to)
    event_emit(
        "read_mark.moved",
        conversation_id=conversation.pk,
        contact_id=conversation.contact_id,
        reader=side,
        up_to=up_to,
        team_id=team_id,
        assignee_id=assignee_id,
    )
    return up_to
