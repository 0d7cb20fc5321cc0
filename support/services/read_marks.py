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
    up_to = _mark_checked(side=side, up_to=up_to)
    moved = _marks_move([(conversation.pk, conversation.contact_id, side, up_to)])
    stored = moved.get((conversation.pk, side))
    if stored is not None:
        setattr(conversation, f"{side}_last_read_id", stored)
    return stored


def conversation_marks_read(*, marks: list[dict]) -> dict[tuple[int, str], int | None]:
    """conversation_mark_read for each mark ({conversation_id, contact_id, side, up_to}), in
    one call: a socket server writes the marks that arrived together, in one statement (two
    when a conversation has both sides' marks). By (conversation id, side): the new mark, or
    None (it did not move, or the mark was not one). From the ids alone: no Conversation
    instance per mark, built and thrown away."""
    stored = {}
    checked = []
    for mark in marks:
        key = (mark["conversation_id"], mark["side"])
        stored[key] = None
        try:
            up_to = _mark_checked(side=mark["side"], up_to=mark["up_to"])
        except errors.InvalidInput:
            continue
        checked.append((mark["conversation_id"], mark["contact_id"], mark["side"], up_to))
    stored.update(_marks_move(checked))
    return stored


def _mark_checked(*, side: str, up_to: Any) -> int:
    if side not in ("visitor", "agent"):
        raise errors.InvalidInput(_("side must be visitor or agent."))
    if not isinstance(up_to, int) or isinstance(up_to, bool) or up_to < 0:
        raise errors.InvalidInput(_("up_to must be a message id."))
    # No message id is larger than a BIGINT (and SQLite refuses larger numbers).
    return min(up_to, 2**63 - 1)


def _marks_move(marks: list[tuple[int, int, str, int]]) -> dict[tuple[int, str], int]:
    """Move the marks (conversation id, contact id, side, up_to), checked, and emit
    read_mark.moved for each that moved, in their order; the new marks by (conversation id,
    side). A statement writes a row once: a conversation's second mark goes in the next one.
    A decrement, not a recount, so a message arriving meanwhile (its increment, under the row
    lock) is kept."""
    rounds: list[list[int]] = []
    seen: dict[int, int] = {}
    for index, (conversation_id, _contact_id, _side, _up_to) in enumerate(marks):
        turn = seen[conversation_id] = seen.get(conversation_id, -1) + 1
        if turn == len(rounds):
            rounds.append([])
        rounds[turn].append(index)
    moved = {}
    for batch in rounds:
        rows = sql.read_marks_move(
            marks=[(marks[i][0], marks[i][2], marks[i][3]) for i in batch], senders=UNREAD_FOR
        )
        moved.update({i: rows[marks[i][0]] for i in batch if marks[i][0] in rows})
    stored = {}
    for index, (conversation_id, contact_id, side, _up_to) in enumerate(marks):
        if index not in moved:
            continue
        up_to, team_id, assignee_id = moved[index]
        stored[(conversation_id, side)] = up_to
        event_emit(
            "read_mark.moved",
            conversation_id=conversation_id,
            contact_id=contact_id,
            reader=side,
            up_to=up_to,
            team_id=team_id,
            assignee_id=assignee_id,
        )
    return stored
