"""Reads of the agent alerts: preferences (defaults without a row) and who hears of what."""

from datetime import datetime

from django.db.models import Q

from support import routing
from support.models import AgentProfile

from .models import AlertPreference, PushSubscription

# The preference each kind of push follows (AlertPreference field).
PUSH_PREFERENCE = {
    "assigned": "push_assigned",
    "queued": "push_queued",
    "mention": "push_mentions",
}


def alert_preference_get(*, user) -> AlertPreference:
    """The agent's preferences; an unsaved row with every alert on when they never chose."""
    return AlertPreference.objects.filter(user=user).first() or AlertPreference(user=user)


def push_subscription_list(*, user) -> list[PushSubscription]:
    return list(PushSubscription.objects.filter(user=user).order_by("-created_at"))


def _wanting(field: str) -> Q:
    # No preference row means every alert is on.
    return Q(user__alert_preference__isnull=True) | Q(**{f"user__alert_preference__{field}": True})


def push_recipient_ids(*, kind: str, user_ids: list[int]) -> list[int]:
    """Of these users, the agents who want this kind of push and have a browser subscribed."""
    field = PUSH_PREFERENCE[kind]
    return list(
        AgentProfile.objects.filter(_wanting(field), user_id__in=user_ids)
        .filter(user__push_subscriptions__isnull=False)
        .values_list("user_id", flat=True)
        .distinct()
        .order_by("user_id")
    )


def queue_agent_ids(*, team_id: int | None) -> list[int]:
    """Who a queued conversation concerns: its team's agents, every agent when unrouted."""
    profiles = AgentProfile.objects.all()
    if team_id is not None:
        profiles = profiles.filter(teams=team_id)
    return list(profiles.values_list("user_id", flat=True).order_by("user_id"))


def waiting_email_recipients(*, user_ids: list[int], now: datetime) -> list[AgentProfile]:
    """Of these users, the agents who are offline (away, or no live console), want the
    "waiting past its target" e-mail and have an address. Not supervisors: support's breach
    e-mail already tells the team's supervisors (support.automation.sla_breach_email)."""
    live = Q(
        presence=AgentProfile.Presence.ONLINE,
        last_seen_at__gte=now - routing.PRESENCE_TIMEOUT,
    )
    return list(
        AgentProfile.objects.filter(_wanting("email_waiting"), user_id__in=user_ids)
        .exclude(live)
        .exclude(role=AgentProfile.Role.SUPERVISOR)
        .exclude(user__email="")
        .select_related("user")
        .order_by("user_id")
    )
