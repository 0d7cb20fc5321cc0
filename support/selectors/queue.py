"""The waiting line: who is next in a team's queue and how long they may wait."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import (
    Q,
    QuerySet,
)
from django.utils import timezone

from .. import routing
from ..models import (
    PRIORITY_ORDER,
    Conversation,
)

User = get_user_model()


def queue_for_team(*, team_id: int | None) -> QuerySet[Conversation]:
    """The waiting line of one team (or of unrouted conversations): head first."""
    return (
        Conversation.objects.filter(status=Conversation.Status.QUEUED, assignee__isnull=True)
        .filter(Q(team_id=team_id) if team_id is not None else Q(team__isnull=True))
        .annotate(priority_rank=PRIORITY_ORDER)
        .order_by("-priority_rank", "queued_at", "id")
    )


RECENT_WAITS_SAMPLE = 20


def recent_waits_seconds(*, team_id: int | None) -> list[float]:
    since = timezone.now() - timedelta(days=1)
    rows = (
        Conversation.objects.filter(
            Q(team_id=team_id) if team_id is not None else Q(team__isnull=True),
            first_response_at__gte=since,
            queued_at__isnull=False,
        )
        .order_by("-first_response_at")
        .values_list("queued_at", "first_response_at")[:RECENT_WAITS_SAMPLE]
    )
    return [(answered - queued).total_seconds() for queued, answered in rows if answered >= queued]


def queue_positions(*, team_id: int | None, limit: int = 200) -> dict[int, dict]:
    """Place in line and estimated wait for everyone waiting in one queue."""
    waiting = list(queue_for_team(team_id=team_id).values_list("id", flat=True)[:limit])
    if not waiting:
        return {}
    waits = recent_waits_seconds(team_id=team_id)
    return {
        conversation_id: {
            "position": position,
            "estimated_wait_seconds": routing.estimated_wait_seconds(
                recent_waits=waits, position=position
            ),
        }
        for position, conversation_id in enumerate(waiting, start=1)
    }


def conversation_queue_info(*, conversation: Conversation) -> dict | None:
    if conversation.status != Conversation.Status.QUEUED or conversation.assignee_id:
        return None
    return queue_positions(team_id=conversation.team_id).get(conversation.pk)
