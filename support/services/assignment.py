"""Assignment by hand: assign, unassign, transfer, priority."""

from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .. import errors, routing, selectors
from ..events import event_emit
from ..languages import contact_language
from ..models import (
    AgentProfile,
    AuditEvent,
    Conversation,
    Team,
    Topic,
)
from .audit import _audit_conversation
from .messages import message_send
from .queue import (
    _agent_team_ids,
    _conversation_enter_queue,
    _conversation_give,
    _moved_from,
    _publish_queue_moved,
    _response_target,
    queue_drain,
)
from .transitions import conversation_transition

Status = Conversation.Status


def conversation_assign(*, conversation: Conversation, to_user, by_user) -> Conversation:
    """Assign by hand (take, or give to a colleague). Capacity is the agent's own call here."""
    profile = selectors.agent_profile_for_user(to_user)
    if profile is None:
        raise errors.InvalidInput(_("Conversations can only be assigned to agents."))
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.status == Status.RESOLVED:
            raise errors.Conflict(
                _("Reopen the conversation before assigning it."), code="resolved"
            )
        previous = locked.assignee_id
        if previous == to_user.pk:
            return locked
        _conversation_give(conversation=locked, user_id=to_user.pk, by_user=by_user)
        _audit_conversation(
            by_user,
            AuditEvent.Action.CONVERSATION_ASSIGNED,
            locked,
            {"from": previous, "to": to_user.pk},
        )
        if by_user.pk != to_user.pk:
            with translation.override(contact_language(locked.contact)):
                body = _("%(by)s assigned this conversation to %(to)s.") % {
                    "by": _agent_name(by_user),
                    "to": profile.name,
                }
            message_send(conversation=locked, sender_type="system", body=body)
        if previous:
            queue_drain(team_ids=_agent_team_ids(previous))
    return locked


def conversation_unassign(*, conversation: Conversation, by_user) -> Conversation:
    """Put it back in its team's queue, at the back of its priority."""
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.status == Status.RESOLVED or locked.assignee_id is None:
            return locked
        previous = locked.assignee_id
        locked.assignee_id = None
        fields = ["assignee"]
        fields += conversation_transition(
            conversation=locked, to=Status.QUEUED, by=by_user, reason="unassigned", save=False
        )
        locked.save(update_fields=fields)
        _audit_conversation(
            by_user, AuditEvent.Action.CONVERSATION_ASSIGNED, locked, {"from": previous, "to": None}
        )
        _conversation_enter_queue(
            conversation=locked,
            now=timezone.now(),
            moved_from=_moved_from(team_id=locked.team_id, assignee_id=previous),
        )
    queue_drain(team_ids=_agent_team_ids(previous))
    return locked


def conversation_transfer(
    *, conversation: Conversation, by_user, topic_slug: str = "", team_id: Any = None
) -> Conversation:
    """Move to another topic (and its team) or another team; it queues there afresh."""
    topic = team = None
    if topic_slug:
        topic = Topic.objects.select_related("team").filter(slug=topic_slug).first()
        if topic is None:
            raise errors.InvalidInput(_("No such topic."), code="topic_not_found")
        team = topic.team
    elif team_id not in (None, ""):
        team = Team.objects.filter(pk=team_id).first()
        if team is None:
            raise errors.InvalidInput(_("No such team."), code="team_not_found")
    else:
        raise errors.InvalidInput(_("Pick a topic or a team."))
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.status == Status.RESOLVED:
            raise errors.Conflict(_("Reopen the conversation before moving it."), code="resolved")
        previous = locked.assignee_id
        moved_from = _moved_from(team_id=locked.team_id, assignee_id=previous)
        if topic is not None:
            locked.topic = topic
        locked.team = team
        keeps_agent = previous is not None and (
            team is None or AgentProfile.objects.filter(user_id=previous, teams=team).exists()
        )
        fields = ["topic", "team"]
        if not keeps_agent:
            locked.assignee_id = None
            fields.append("assignee")
            fields += conversation_transition(
                conversation=locked, to=Status.QUEUED, by=by_user, reason="transferred", save=False
            )
        locked.save(update_fields=fields)
        _audit_conversation(
            by_user,
            AuditEvent.Action.CONVERSATION_TRANSFERRED,
            locked,
            {"topic": topic.slug if topic else None, "team": team.pk if team else None},
        )
        language = contact_language(locked.contact)
        where = topic.name_for(language) if topic else team.name_for(language)
        with translation.override(language):
            body = _("%(by)s moved this conversation to %(where)s.") % {
                "by": _agent_name(by_user),
                "where": where,
            }
        message_send(conversation=locked, sender_type="system", body=body)
        if keeps_agent:
            event_emit("conversation.updated", conversation_id=locked.pk, **moved_from)
        else:
            _conversation_enter_queue(
                conversation=locked, now=timezone.now(), moved_from=moved_from
            )
    if previous and not keeps_agent:
        queue_drain(team_ids=_agent_team_ids(previous))
    return locked


def conversation_set_priority(
    *, conversation: Conversation, priority: Any, by_user=None
) -> Conversation:
    if priority not in Conversation.Priority.values:
        raise errors.InvalidInput(_("Unknown priority."), code="invalid_priority")
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.priority == priority:
            return locked
        _audit_conversation(
            by_user,
            AuditEvent.Action.CONVERSATION_PRIORITY_CHANGED,
            locked,
            {"from": locked.priority, "to": priority},
        )
        locked.priority = priority
        fields = ["priority"]
        target = _response_target(priority)
        if target and locked.first_response_at is None and locked.queued_at:
            locked.first_response_due_at, _unused = routing.due_times(
                start=locked.queued_at,
                first_response_seconds=target.first_response_seconds,
                resolution_seconds=None,
            )
            fields.append("first_response_due_at")
        locked.save(update_fields=fields)
        event_emit("conversation.updated", conversation_id=locked.pk)
        if locked.status == Status.QUEUED:
            _publish_queue_moved(team_id=locked.team_id)
    return locked


def _agent_name(user) -> str:
    profile = selectors.agent_profile_for_user(user)
    return profile.name if profile else user.get_username()
