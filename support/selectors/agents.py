"""Agents, teams, topics and labels: who is online, who may be assigned, the per-process copies
of the small tables every inbox row shows."""

from importlib import import_module
from types import SimpleNamespace

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
)
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import errors, hours, routing
from ..edge import row_id
from ..models import (
    AgentProfile,
    Conversation,
    Label,
    Team,
    Topic,
)
from ..process_cache import ProcessCache
from ..visibility import agents_who_may_see_q

User = get_user_model()


def agent_user_get(*, user_id: str):
    """The user behind an agent profile, by id as a form sends it; InvalidInput otherwise."""
    profile = AgentProfile.objects.select_related("user").filter(user_id=row_id(user_id)).first()
    if profile is None:
        raise errors.InvalidInput(_("No such agent."))
    return profile.user


def agent_online_name(*, user_id: int) -> str:
    """The agent's name while their console is open and they are online (a fresh heartbeat,
    as automatic assignment requires), else "": who may be promised to a visitor."""
    profile = (
        AgentProfile.objects.select_related("user")
        .filter(
            user_id=user_id,
            presence=AgentProfile.Presence.ONLINE,
            last_seen_at__gte=timezone.now() - routing.PRESENCE_TIMEOUT,
        )
        .first()
    )
    return profile.name if profile else ""


def agent_list_for_assignment() -> list[AgentProfile]:
    """Every agent (with their user), by display name: from the per-process copy, shared
    read-only instances."""
    return [user.agent_profile for user in _agent_users_by_id.get().values()]


def team_list() -> list[Team]:
    """Every team, by name: from the per-process copy, shared read-only instances."""
    return list(_teams_by_id.get().values())


def topic_list_active() -> list[Topic]:
    return list(Topic.objects.filter(is_active=True).select_related("team"))


def topic_list_for_console() -> list[Topic]:
    """The active topics for the console's filters and menus (slug and name), in their order:
    from the per-process copy, shared read-only instances without their team."""
    return [topic for topic in _topics_by_id.get().values() if topic.is_active]


def agent_profile_for_user(user) -> AgentProfile | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.agent_profile
    except AgentProfile.DoesNotExist:
        return None


def agent_user_for_session(session_key: str | None):
    """The user a session still signs in, checked as Django checks every request (the session
    exists and is unexpired, its backend, the user is active, the password has not changed
    since), or None. Console sockets call it again while open: channels checks only once,
    when the socket connects."""
    if not session_key:
        return None
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
    user = auth.get_user(SimpleNamespace(session=store))
    return user if user.is_authenticated else None


def agent_candidates(*, team_id: int | None, lock: bool) -> list[routing.Candidate]:
    """Online agents who may take a conversation of this team (any team when unrouted).

    With lock, their rows stay locked until the transaction ends: concurrent assignments to
    the same agents queue up behind each other instead of both seeing free capacity.
    """
    fresh_since = timezone.now() - routing.PRESENCE_TIMEOUT
    profiles = AgentProfile.objects.filter(
        presence=AgentProfile.Presence.ONLINE, last_seen_at__gte=fresh_since
    )
    if team_id is not None:
        profiles = profiles.filter(teams=team_id)
    if lock:
        # Ordered by id, so two transactions lock shared agents in the same order.
        profiles = profiles.select_for_update(of=("self",))
    rows = list(profiles.order_by("pk").values("pk", "user_id", "capacity", "last_assigned_at"))
    open_counts = dict(
        Conversation.objects.filter(
            assignee_id__in=[row["user_id"] for row in rows], status=Conversation.Status.OPEN
        )
        .values_list("assignee_id")
        .annotate(count=Count("id"))
        .order_by()
    )
    return [
        routing.Candidate(
            profile_id=row["pk"],
            user_id=row["user_id"],
            open_count=open_counts.get(row["user_id"], 0),
            capacity=row["capacity"],
            last_assigned_at=row["last_assigned_at"],
        )
        for row in rows
    ]


def _agent_users_load() -> dict:
    users = {}
    # In agent_list_for_assignment's order, the database's collation. Without the heartbeat
    # and assignment times, rewritten in bulk all day: routing reads them from the database.
    profiles = AgentProfile.objects.select_related("user").defer("last_seen_at", "last_assigned_at")
    for profile in profiles.order_by("display_name", "pk"):
        user = profile.user
        user.agent_profile = profile
        users[user.pk] = user
    return users


# Small tables every inbox row and conversation page shows, kept per process for a few
# seconds (process_cache): shared, read-only instances, in each model's order.
_topics_by_id = ProcessCache(lambda: {t.pk: t for t in Topic.objects.all()}, models=(Topic,))
_teams_by_id = ProcessCache(lambda: {t.pk: t for t in Team.objects.all()}, models=(Team,))
# Every account, hundreds of rows: reloaded only when an agent or user changed (its stamp).
# Presence, set in bulk, calls changed().
_agent_users_by_id = ProcessCache(
    _agent_users_load, models=(AgentProfile, get_user_model()), stamp="process_cache:agents"
)


def agent_copy_changed() -> None:
    """Agents changed without a signal (QuerySet.update()): every process reloads its copy."""
    _agent_users_by_id.changed()


_labels = ProcessCache(lambda: list(Label.objects.order_by("name")), models=(Label,))


def team_has_online_agent(*, team_id: int, now) -> bool:
    """Is an agent of the team online with a live console (fresh heartbeat)?"""
    return AgentProfile.objects.filter(
        teams=team_id,
        presence=AgentProfile.Presence.ONLINE,
        last_seen_at__gte=now - routing.PRESENCE_TIMEOUT,
    ).exists()


def agent_online_any(*, now) -> bool:
    """Is any agent online with a live console (fresh heartbeat)?"""
    return AgentProfile.objects.filter(
        presence=AgentProfile.Presence.ONLINE,
        last_seen_at__gte=now - routing.PRESENCE_TIMEOUT,
    ).exists()


def nobody_can_answer(
    *, conversation: Conversation | None, now, support_open: bool | None = None
) -> bool:
    """Will a visitor wait in vain for a person? The one rule behind the widget's "leave
    your email" offer (docs/protocol.md, "Email"): the session's answer for a new chat and each
    conversation's `email_offer`.

    Never while an agent holds the conversation (a live chat, whatever the hours) nor once it
    is resolved. Otherwise: its team closed or with no agent online; with no team (a new chat,
    the bot), support as a whole closed (`support_open`, as the session computed it; else
    computed here) or no agent online at all.
    """
    if conversation is not None:
        if conversation.assignee_id or conversation.status == Conversation.Status.RESOLVED:
            return False
        team = _teams_by_id.get().get(conversation.team_id) if conversation.team_id else None
        if team is not None:
            return not (
                hours.team_opening_status(team=team, at=now).is_open
                and team_has_online_agent(team_id=team.pk, now=now)
            )
    if support_open is None:
        teams = [topic.team for topic in topic_list_active() if topic.team is not None]
        support_open = hours.support_hours(teams=teams, at=now).status.is_open
    return not support_open or not agent_online_any(now=now)


def supervisor_emails(*, team_id: int | None) -> list[str]:
    """Where a team's alerts go: its supervisors, or every supervisor for unrouted chats."""
    profiles = AgentProfile.objects.filter(role=AgentProfile.Role.SUPERVISOR)
    if team_id is not None:
        profiles = profiles.filter(teams=team_id)
    emails = profiles.exclude(user__email="").values_list("user__email", flat=True)
    return sorted(set(emails))


# Console search (support.search): messages and contacts, access-checked, newest first.


def agent_list_who_may_see(
    *, conversation: Conversation, usernames: list[str]
) -> list[AgentProfile]:
    """Agents by username (any case) who may see the conversation, in one query."""
    if not usernames:
        return []
    profiles = AgentProfile.objects.annotate(username_lower=Lower("user__username")).filter(
        username_lower__in=[name.lower() for name in usernames]
    )
    profiles = profiles.filter(agents_who_may_see_q(conversation))
    return list(profiles.select_related("user").distinct().order_by("pk"))


def label_list() -> list[Label]:
    """Every label, by name: from the per-process copy, shared read-only instances."""
    return list(_labels.get())
