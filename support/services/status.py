"""Status moves: set, resolve (by an agent or the bot), reopen; all through the gate."""

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .. import errors, selectors
from ..events import event_emit
from ..languages import contact_language
from ..models import (
    Conversation,
)
from .messages import message_send
from .queue import _agent_team_ids, _conversation_enter_queue, queue_drain
from .transitions import STATUS_TRANSITIONS, conversation_transition

Status = Conversation.Status


def conversation_set_status(
    *, conversation: Conversation, status: str, by_user=None, reason: str = "set"
) -> Conversation:
    """Move a conversation along the pipeline, or raise IllegalTransition."""
    conversation, _changed = _conversation_move(
        conversation=conversation, status=status, by_user=by_user, reason=reason
    )
    return conversation


def _resolved_emit(*, conversation: Conversation, reason: str, by_user) -> None:
    event_emit(
        "conversation.resolved",
        conversation_id=conversation.pk,
        reason=reason,
        by_id=by_user.pk if by_user is not None else None,
    )


def _conversation_move(
    *,
    conversation: Conversation,
    status: str,
    reason: str,
    by_user=None,
    resolved_event: bool = True,
) -> tuple[Conversation, bool]:
    """Lock, move through the gate, then tell the consoles and hand the agent more work.
    `resolved_event=False`: the caller emits conversation.resolved itself, after its closing
    line (the rating prompt and the transcript follow the line, as the visitor sees them)."""
    if status not in STATUS_TRANSITIONS:
        raise errors.InvalidInput(f"Unknown status {status!r}.")
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        previous_status = locked.status
        if not conversation_transition(conversation=locked, to=status, by=by_user, reason=reason):
            return locked, False
        event_emit("conversation.updated", conversation_id=locked.pk)
        if status == Status.RESOLVED and resolved_event:
            _resolved_emit(conversation=locked, reason=reason, by_user=by_user)
        if previous_status == Status.OPEN and locked.assignee_id:
            # The agent has room for one more: give them the head of their queues.
            queue_drain(team_ids=_agent_team_ids(locked.assignee_id))
    return locked, True


def conversation_resolve(*, conversation: Conversation, agent) -> Conversation:
    """Resolve and say so in the thread; resolving a resolved conversation changes nothing."""
    with transaction.atomic():
        conversation, changed = _conversation_move(
            conversation=conversation,
            status=Status.RESOLVED,
            by_user=agent,
            reason="resolved",
            resolved_event=False,
        )
        if changed:
            with translation.override(contact_language(conversation.contact)):
                body = _("%(name)s marked this conversation as resolved.") % {
                    "name": selectors.agent_profile_for_user(agent) or agent.get_username()
                }
            message_send(conversation=conversation, sender_type="system", body=body)
            _resolved_emit(conversation=conversation, reason="resolved", by_user=agent)
    return conversation


def conversation_reopen(*, conversation: Conversation, by_agent=None) -> Conversation:
    """Reopen a resolved conversation: agents any time, visitors within the reopen window."""
    if conversation.status != Status.RESOLVED:
        raise errors.Conflict(_("The conversation is not resolved."), code="not_resolved")
    reopen_until = conversation.reopen_until
    if by_agent is None and reopen_until is not None and reopen_until < timezone.now():
        raise errors.Conflict(
            _("This conversation can no longer be reopened; start a new one."),
            code="reopen_window_passed",
        )
    target = Status.OPEN if conversation.assignee_id else Status.QUEUED
    with transaction.atomic():
        conversation = conversation_set_status(
            conversation=conversation, status=target, by_user=by_agent, reason="reopened"
        )
        if conversation.status == Status.QUEUED:
            _conversation_enter_queue(conversation=conversation, now=timezone.now())
    return conversation


def conversation_resolve_by_bot(*, conversation: Conversation) -> Conversation:
    """The visitor said a help article solved it: resolved with no person (deflected)."""
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.status != Status.BOT:
            return locked
        locked.resolved_by_bot = True
        locked.save(update_fields=["resolved_by_bot"])
        locked, _changed = _conversation_move(
            conversation=locked, status=Status.RESOLVED, reason="resolved_by_bot"
        )
    return locked
