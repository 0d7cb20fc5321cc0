"""The status gate: every status move goes through conversation_transition."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from .. import errors, hours
from ..events import event_emit
from ..models import (
    AuditEvent,
    Conversation,
)
from .audit import audit_record

Status = Conversation.Status


# The conversation pipeline: the only status moves allowed (django-oscar style), checked by
# conversation_transition, the one place a conversation's status is written.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    # bot → open: an agent takes a conversation the greeting bot still holds.
    Status.BOT: frozenset({Status.QUEUED, Status.OPEN, Status.RESOLVED}),
    Status.QUEUED: frozenset({Status.OPEN, Status.PENDING, Status.RESOLVED, Status.SNOOZED}),
    Status.OPEN: frozenset({Status.QUEUED, Status.PENDING, Status.RESOLVED, Status.SNOOZED}),
    Status.PENDING: frozenset({Status.OPEN, Status.QUEUED, Status.RESOLVED, Status.SNOOZED}),
    Status.RESOLVED: frozenset({Status.QUEUED, Status.OPEN}),
    # Snoozed: out of the inbox, woken by its time or the customer (support.services.snooze).
    Status.SNOOZED: frozenset({Status.OPEN, Status.QUEUED, Status.RESOLVED}),
}


def status_moves(status: str) -> frozenset[str]:
    """The statuses a conversation in `status` may move to: what the gate allows, for the
    screens that offer only those moves (the console's header)."""
    return STATUS_TRANSITIONS[status]


def status_actions(status: str) -> dict[str, bool]:
    """What a screen offers an agent for a conversation in `status`: the moves the gate
    allows (snooze, mark pending, resolve), and the ways out of resolved (reopen) and snoozed
    (wake), which conversation_reopen and conversation_wake require; a resolved conversation
    is not assigned (conversation_assign refuses it)."""
    moves = status_moves(status)
    return {
        "can_reopen": status == Status.RESOLVED,
        "can_take": status != Status.RESOLVED,
        "can_wake": status == Status.SNOOZED,
        "can_snooze": Status.SNOOZED in moves,
        "can_mark_pending": Status.PENDING in moves,
        "can_resolve": Status.RESOLVED in moves,
    }


def conversation_transition(
    *, conversation: Conversation, to: str, by, reason: str, save: bool = True
) -> list[str]:
    """The only place a conversation's status is written.

    The move must be in STATUS_TRANSITIONS, else IllegalTransition and nothing is written.
    Each move leaves one audit record: `by` is the agent (or user) who made it, None for the
    system or the visitor (named "system", as audit records name jobs); `reason` says which
    path moved it. Resolving stamps the resolution figures, leaving resolved clears them.
    The caller holds the row lock in its transaction and sends the events after commit.
    Returns the changed fields ([] when already there); save=False leaves saving them to the
    caller, together with its own fields in one UPDATE.
    """
    if to not in STATUS_TRANSITIONS:
        raise errors.InvalidInput(f"Unknown status {to!r}.")
    previous = conversation.status
    if previous == to:
        return []
    if to not in status_moves(previous):
        raise errors.IllegalTransition(
            _("A conversation cannot go from %(from)s to %(to)s.") % {"from": previous, "to": to}
        )
    audit_record(
        actor=by,
        action=AuditEvent.Action.CONVERSATION_STATUS_CHANGED,
        contact_id=conversation.contact_id,
        conversation_id=conversation.pk,
        detail={"from": previous, "to": to, "reason": reason},
    )
    conversation.status = to
    fields = ["status"]
    if to == Status.RESOLVED:
        fields += _stamp_resolution(conversation=conversation, at=timezone.now())
    elif conversation.resolved_at is not None:
        fields += _stamp_resolution(conversation=conversation, at=None)
    if previous == Status.SNOOZED:
        fields += _snooze_end(conversation=conversation, at=timezone.now())
    if save:
        conversation.save(update_fields=fields)
    # In-transaction listeners follow the move (ratings: a reopened conversation's rating
    # stops being current, so its next resolution may be rated).
    event_emit(
        "conversation.status_changed",
        conversation_id=conversation.pk,
        reason=reason,
        by_id=by.pk if by is not None else None,
        objects={"conversation": conversation},
        **{"from": previous, "to": to},
    )
    return fields


def _snooze_end(*, conversation: Conversation, at) -> list[str]:
    """Leaving snoozed, by any path: the response targets still running were paused, so
    they (and the place in the queue) move on by the time spent snoozed."""
    fields = ["snoozed_at", "snoozed_until"]
    if conversation.snoozed_at is not None:
        paused = max(at - conversation.snoozed_at, timedelta(0))
        running = {
            "queued_at": conversation.queued_at is not None,
            "first_response_due_at": conversation.first_response_at is None
            and conversation.first_response_breached_at is None,
            "resolution_due_at": conversation.resolution_breached_at is None,
        }
        for name, still_running in running.items():
            value = getattr(conversation, name)
            if still_running and value is not None:
                setattr(conversation, name, value + paused)
                fields.append(name)
    conversation.snoozed_at = conversation.snoozed_until = None
    return fields


def _durations_since(*, conversation: Conversation, start, end) -> tuple[int, int]:
    """(wall-clock seconds, seconds while the conversation's team was open) of [start, end)."""
    # The team as message_send's lock filled it in (per-process copy), or one query.
    team = conversation.team if conversation.team_id else None
    wall = max(0, round((end - start).total_seconds()))
    return wall, hours.team_open_seconds(team=team, start=start, end=end)


def _stamp_first_response(*, conversation: Conversation, at) -> list[str]:
    """First agent reply: the clock runs from entering the queue (else from creation)."""
    start = conversation.queued_at or conversation.created_at
    if start > at:
        start = conversation.created_at
    conversation.first_response_at = at
    (
        conversation.first_response_seconds,
        conversation.first_response_business_seconds,
    ) = _durations_since(conversation=conversation, start=start, end=at)
    return ["first_response_at", "first_response_seconds", "first_response_business_seconds"]


def _stamp_resolution(*, conversation: Conversation, at) -> list[str]:
    """Resolved at `at` (from creation); `at=None` (reopened) clears the figures."""
    conversation.resolved_at = at
    if at is None:
        conversation.resolution_seconds = conversation.resolution_business_seconds = None
    else:
        (
            conversation.resolution_seconds,
            conversation.resolution_business_seconds,
        ) = _durations_since(conversation=conversation, start=conversation.created_at, end=at)
    return ["resolved_at", "resolution_seconds", "resolution_business_seconds"]
