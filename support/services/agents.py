"""Agents: presence, console language, heartbeat."""

from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import errors, routing
from ..events import event_emit
from ..models import (
    AgentProfile,
    Conversation,
)
from ..selectors.agents import agent_copy_changed
from .queue import _agent_team_ids, _publish_queue_moved, queue_drain

Status = Conversation.Status


def agent_set_presence(*, profile: AgentProfile, presence: Any) -> AgentProfile:
    if presence not in AgentProfile.Presence.values:
        raise errors.InvalidInput(_("Unknown presence."), code="invalid_presence")
    AgentProfile.objects.filter(pk=profile.pk).update(
        presence=presence, last_seen_at=timezone.now()
    )
    agent_copy_changed()
    profile.presence = presence
    team_ids = _agent_team_ids(profile.user_id)
    if presence == AgentProfile.Presence.ONLINE:
        queue_drain(team_ids=team_ids)
    # Whether anyone can answer may have changed for those still waiting in these queues:
    # their conversation.updated carries the new email_offer (the form comes or goes).
    for team_id in team_ids:
        _publish_queue_moved(team_id=team_id)
    return profile


def agent_set_language(*, profile: AgentProfile, language: Any) -> AgentProfile:
    """The console's language for this agent; "" follows the browser's (support.languages)."""
    if language != "" and language not in {code for code, _name in settings.LANGUAGES}:
        raise errors.InvalidInput(_("Unknown language."), code="invalid_language")
    profile.language = language
    profile.save(update_fields=["language"])
    return profile


def agent_console_closed(*, profile: AgentProfile) -> None:
    """A console socket closed: the agent counts as gone now, not when the heartbeat goes
    stale a minute later, so no chat is assigned to them or promised in their name meanwhile.
    Their consoles still open (other tabs) are asked for a heartbeat and keep them online."""
    AgentProfile.objects.filter(pk=profile.pk).update(
        last_seen_at=timezone.now() - routing.PRESENCE_TIMEOUT
    )
    event_emit("agent.console_closed", user_id=profile.user_id)


def agent_heartbeat(*, profile: AgentProfile) -> None:
    """The console is alive. An agent coming back from stale may take waiting chats at once."""
    now = timezone.now()
    was_stale = (
        AgentProfile.objects.filter(pk=profile.pk)
        .exclude(last_seen_at__gte=now - routing.PRESENCE_TIMEOUT)
        .update(last_seen_at=now)
    )
    if not was_stale:
        AgentProfile.objects.filter(pk=profile.pk).update(last_seen_at=now)
    if was_stale and profile.presence == AgentProfile.Presence.ONLINE:
        queue_drain(team_ids=_agent_team_ids(profile.user_id))
