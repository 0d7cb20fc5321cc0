"""Queues: priority rules, response targets, entering a queue, handing out its head."""

from django.db import transaction
from django.utils import timezone

from .. import routing, selectors
from ..events import event_emit
from ..models import (
    AgentProfile,
    Conversation,
    PriorityRule,
    ResponseTarget,
)
from ..process_cache import ProcessCache
from .transitions import conversation_transition

Status = Conversation.Status


# Read for every visitor message: kept per process for a few seconds (process_cache).
_priority_rules_active = ProcessCache(
    lambda: list(PriorityRule.objects.filter(is_active=True).values_list("keyword", "priority")),
    models=(PriorityRule,),
)


def _active_priority_rules() -> list[tuple[str, str]]:
    return _priority_rules_active.get()


def _response_target(priority: str) -> ResponseTarget | None:
    return ResponseTarget.objects.filter(priority=priority).first()


def _conversation_enter_queue(*, conversation: Conversation, now, moved_from=None) -> None:
    """Stamp the queue time and response targets, then hand it out if someone is free.
    `moved_from` (_moved_from) says where it was before a move that brought it here."""
    target = _response_target(conversation.priority)
    first_due, resolution_due = routing.due_times(
        start=now,
        first_response_seconds=target.first_response_seconds if target else None,
        resolution_seconds=target.resolution_seconds if target else None,
    )
    conversation.queued_at = now
    fields = ["queued_at"]
    if conversation.first_response_at is None:
        conversation.first_response_due_at = first_due
        fields.append("first_response_due_at")
    if conversation.resolution_due_at is None:
        conversation.resolution_due_at = resolution_due
        fields.append("resolution_due_at")
    conversation.save(update_fields=fields)
    if not _assign_to_best_agent(conversation=conversation, moved_from=moved_from):
        event_emit("conversation.updated", conversation_id=conversation.pk, **(moved_from or {}))
        _publish_queue_moved(team_id=conversation.team_id)


def _assign_to_best_agent(*, conversation: Conversation, moved_from=None) -> bool:
    candidate = routing.choose_agent(
        selectors.agent_candidates(team_id=conversation.team_id, lock=True)
    )
    if candidate is None:
        return False
    _conversation_give(conversation=conversation, user_id=candidate.user_id, moved_from=moved_from)
    return True


def _moved_from(*, team_id: int | None, assignee_id: int | None) -> dict:
    """Where a conversation was before a change of team or assignee, for the event that
    announces it: the consoles that could see it there withdraw its row."""
    return {"previous_team_id": team_id, "previous_assignee_id": assignee_id}


def _conversation_give(
    *, conversation: Conversation, user_id: int, by_user=None, moved_from=None
) -> None:
    """Assign and open. The caller holds the transaction (and any locks it needs)."""
    if moved_from is None:
        moved_from = _moved_from(team_id=conversation.team_id, assignee_id=conversation.assignee_id)
    now = timezone.now()
    conversation.assignee_id = user_id
    fields = ["assignee"]
    if conversation.status in (Status.QUEUED, Status.BOT):
        fields += conversation_transition(
            conversation=conversation, to=Status.OPEN, by=by_user, reason="assigned", save=False
        )
    conversation.save(update_fields=fields)
    AgentProfile.objects.filter(user_id=user_id).update(last_assigned_at=now)
    event_emit(
        "conversation.assigned",
        conversation_id=conversation.pk,
        assignee_id=user_id,
        by_id=by_user.pk if by_user is not None else None,
        **moved_from,
    )
    _publish_queue_moved(team_id=conversation.team_id)


def _publish_queue_moved(*, team_id: int | None) -> None:
    event_emit("queue.moved", team_id=team_id)


def queue_drain(*, team_ids: list[int | None], max_assignments: int = 100) -> int:
    """Hand waiting conversations to agents with free capacity, head of each queue first."""
    assigned = 0
    for team_id in team_ids:
        while assigned < max_assignments:
            with transaction.atomic():
                head = (
                    selectors.queue_for_team(team_id=team_id)
                    .select_for_update(skip_locked=True, of=("self",))
                    .first()
                )
                if head is None or not _assign_to_best_agent(conversation=head):
                    break
            assigned += 1
    return assigned


def _agent_team_ids(user_id: int) -> list[int | None]:
    return [
        *AgentProfile.teams.through.objects.filter(agentprofile__user_id=user_id).values_list(
            "team_id", flat=True
        ),
        None,
    ]
