"""Read marks: how far each side has read, moved in one statement."""

from typing import Any

from django.utils.translation import gettext as _

from .. import errors, sql
from ..events import event_emit
from ..models import (
    Conversation,
)

Status = Conversation.Status


# Whose messages count as unread for each side.
UNREAD_FOR = {"agent": ("visitor",), "visitor": ("agent", "bot")}


def conversation_mark_read(*, conversation: Conversation, side: str, up_to: Any) -> int | None:
    """Record that one side has read up to a message id. Returns the new mark or None.

    Marks only move forward, and never past the conversation's newest message.
    """
    moved = _mark_read(
        conversation_id=conversation.pk,
        contact_id=conversation.contact_id,
        side=side,
        up_to=up_to,
    )
    if moved is not None:
        setattr(conversation, f"{side}_last_read_id", moved)
    return moved


def conversation_marks_read(*, marks: list[dict]) -> dict[tuple[int, str], int | None]:
    """conversation_mark_read for each mark ({conversation_id, contact_id, side, up_to}), in
    one call: a socket server writes the marks that arrived together. By (conversation id,
    side): the new mark, or None (it did not move, or the mark was not one). From the ids
    alone: no Conversation instance per mark, built and thrown away."""
    stored = {}
    for mark in marks:
        key = (mark["conversation_id"], mark["side"])
        try:
            stored[key] = _mark_read(
                conversation_id=mark["conversation_id"],
                contact_id=mark["contact_id"],
                side=mark["side"],
                up_to=mark["up_to"],
            )
        except errors.InvalidInput:
            stored[key] = None
    return stored


def _mark_read(*, conversation_id: int, contact_id: int, side: str, up_to: Any) -> int | None:
    if side not in ("visitor", "agent"):
        raise errors.InvalidInput(_("side must be visitor or agent."))
    if not isinstance(up_to, int) or isinstance(up_to, bool) or up_to < 0:
        raise errors.InvalidInput(_("up_to must be a message id."))
    # No message id is larger than a BIGINT (and SQLite refuses larger numbers).
    up_to = min(up_to, 2**63 - 1)
    # One statement (support.sql): a decrement, not a recount, so a message arriving
    # meanwhile (its increment, under the row lock) is kept.
    moved = sql.read_mark_move(
        conversation_id=conversation_id, side=side, up_to=up_to, senders=UNREAD_FOR[side]
    )
    if moved is None:
        return None
    up_to, team_id, assignee_id = moved
    event_emit(
        "read_mark.moved",
        conversation_id=conversation_id,
        contact_id=contact_id,
        reader=side,
        up_to=up_to,
        team_id=team_id,
        assignee_id=assignee_id,
    )
    return up_to
