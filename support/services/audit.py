"""The audit log: who changed, viewed, exported or erased what."""

from .. import errors, selectors, sql
from ..models import (
    AuditEvent,
    Conversation,
)

Status = Conversation.Status
# Choices' `values` builds its list on every call.
_ACTIONS = frozenset(AuditEvent.Action.values)


def _audit_conversation(by_user, action: str, conversation: Conversation, detail: dict) -> None:
    """An agent's change to a conversation (automatic assignments are not audited: the
    conversation's own timestamps and system messages tell those). Status moves, automatic
    ones included, are audited by conversation_transition."""
    if by_user is not None:
        audit_record(
            actor=by_user,
            action=action,
            contact_id=conversation.contact_id,
            conversation_id=conversation.pk,
            detail=detail,
        )


def audit_record(
    *,
    actor,
    action: str,
    contact_id: int | None = None,
    conversation_id: int | None = None,
    ip_address: str | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    """Append one line to the audit log (never changed or deleted by the application)."""
    if action not in _ACTIONS:
        raise errors.InvalidInput(f"Unknown audit action {action!r}.")
    name = "system"
    if actor is not None:
        profile = selectors.agent_profile_for_user(actor)
        name = profile.name if profile else actor.get_username()
    event = AuditEvent(
        actor_id=actor.pk if actor is not None else None,
        actor_name=name[:191],
        action=action,
        contact_ref=contact_id,
        conversation_ref=conversation_id,
        ip_address=ip_address or None,
        detail=detail or {},
    )
    # save() without compiling its INSERT for every status move (each first reply has one).
    sql.row_insert(instance=event)
    return event
