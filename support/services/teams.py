"""Teams from the console's settings (supervisors): create, rename, delete, members.

A member added to a team may take its waiting conversations at once (queue_drain); whoever
still waits hears their place again (`queue.moved`), since who can answer may have changed.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import errors
from ..edge import row_id
from ..events import event_emit
from ..models import AgentProfile, Conversation, Team, Topic
from .configuration import (
    changes_between,
    field_values,
    form_invalid,
    model_problems,
    settings_audit,
    supervisor_check,
)
from .queue import queue_drain

TEAM_NAME_FIELDS = ("name", "name_tr")


def team_get_locked(*, team_id: Any) -> Team:
    team = Team.objects.select_for_update().filter(pk=row_id(team_id)).first()
    if team is None:
        raise errors.NotFound(_("No such team."))
    return team


def team_settings_changed(*, actor: AgentProfile, team: Team, detail: dict) -> None:
    """A supervisor changed what the team's queue depends on (members, hours, holidays):
    audited, and whoever waits hears their place again (after commit)."""
    settings_audit(actor=actor, detail={"team_id": team.pk, **detail})
    event_emit("queue.moved", team_id=team.pk)


def _unique_slug(name: str, *, team_pk: int | None) -> str:
    base = slugify(name)[:56] or "team"
    slug, n = base, 1
    while Team.objects.filter(slug=slug).exclude(pk=team_pk).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _names_clean(team: Team, values: dict[str, Any]) -> None:
    """Put the typed names on `team`, or raise FormInvalid naming each bad field."""
    for name in TEAM_NAME_FIELDS:
        setattr(team, name, str(values.get(name) or "").strip())
    try:
        team.full_clean(exclude=["slug"], validate_unique=False)
    except ValidationError as error:
        raise form_invalid(model_problems(team, error), code="invalid_team") from None
    if Team.objects.filter(name__iexact=team.name).exclude(pk=team.pk).exists():
        raise form_invalid(
            {"name": _("A team named %(name)s exists already.") % {"name": team.name}},
            code="team_exists",
        )


def team_create(*, actor: AgentProfile, values: dict[str, Any]) -> Team:
    """A new team (English name required and unique, Turkish optional), open around the clock
    until it is given hours."""
    supervisor_check(actor)
    team = Team()
    with transaction.atomic():
        _names_clean(team, values)
        team.slug = _unique_slug(team.name, team_pk=None)
        team.save()
        settings_audit(actor=actor, detail={"team_created": team.name, "team_id": team.pk})
    return team


def team_rename(*, actor: AgentProfile, team_id: Any, values: dict[str, Any]) -> Team:
    supervisor_check(actor)
    with transaction.atomic():
        team = team_get_locked(team_id=team_id)
        before = field_values(team, TEAM_NAME_FIELDS)
        _names_clean(team, values)
        changed = changes_between(before, field_values(team, TEAM_NAME_FIELDS))
        if changed:
            team.save(update_fields=list(changed))
            settings_audit(actor=actor, detail={"team_id": team.pk, "changed": changed})
    return team


def team_delete_blockers(team: Team) -> list[str]:
    """Why the team cannot go yet, one sentence each; empty when it can.

    Topics would route nowhere and waiting conversations would drop out of every queue, so
    they must move first (a snoozed one comes back); shared canned replies and macros would be
    deleted with it. Resolved conversations do not stop it: they keep their history and count
    under no team."""
    reasons = []
    topics = Topic.objects.filter(team=team).count()
    if topics:
        reasons.append(
            ngettext(
                "%(count)d topic routes to it: give it another team first.",
                "%(count)d topics route to it: give them another team first.",
                topics,
            )
            % {"count": topics}
        )
    waiting = (
        Conversation.objects.filter(team=team).exclude(status=Conversation.Status.RESOLVED).count()
    )
    if waiting:
        reasons.append(
            ngettext(
                "%(count)d conversation is not resolved yet: move or resolve it first.",
                "%(count)d conversations are not resolved yet: move or resolve them first.",
                waiting,
            )
            % {"count": waiting}
        )
    shared = team.canned_responses.count() + team.macros.count()
    if shared:
        reasons.append(
            ngettext(
                "%(count)d shared canned reply or macro belongs to it: delete or move it first.",
                "%(count)d shared canned replies and macros belong to it: delete or move them "
                "first.",
                shared,
            )
            % {"count": shared}
        )
    return reasons


def team_delete(*, actor: AgentProfile, team_id: Any) -> None:
    """Delete a team nothing still needs (team_delete_blockers); its hours and holidays go
    with it, its members simply leave it. Refused with every reason at once (Conflict)."""
    supervisor_check(actor)
    with transaction.atomic():
        team = team_get_locked(team_id=team_id)
        reasons = team_delete_blockers(team)
        if reasons:
            refusal = _("%(name)s cannot be deleted yet.") % {"name": team.name}
            raise errors.Conflict(
                " ".join([refusal, *reasons]),
                code="team_in_use",
            )
        name, pk = team.name, team.pk
        try:
            with transaction.atomic():
                team.delete()
        except ProtectedError as error:
            # Rows of apps above support (a support e-mail address) that name the team.
            kinds = sorted({str(row._meta.verbose_name) for row in error.protected_objects})
            raise errors.Conflict(
                _("%(name)s cannot be deleted yet: still used by %(what)s.")
                % {"name": name, "what": ", ".join(kinds)},
                code="team_in_use",
            ) from None
        settings_audit(actor=actor, detail={"team_deleted": name, "team_id": pk})


def _agent_get(agent_id: Any) -> AgentProfile:
    profile = AgentProfile.objects.select_related("user").filter(pk=row_id(agent_id)).first()
    if profile is None:
        raise errors.InvalidInput(_("Choose an agent."), code="invalid_agent")
    return profile


def team_member_add(*, actor: AgentProfile, team_id: Any, agent_id: Any) -> AgentProfile:
    """Add an agent to the team; if they are online, the team's waiting conversations may go
    to them at once."""
    supervisor_check(actor)
    with transaction.atomic():
        team = team_get_locked(team_id=team_id)
        profile = _agent_get(agent_id)
        if team.agents.filter(pk=profile.pk).exists():
            raise errors.InvalidInput(
                _("%(name)s is in this team already.") % {"name": profile.name},
                code="already_member",
            )
        profile.teams.add(team)
        settings_audit(
            actor=actor,
            detail={"team_id": team.pk, "member_added": profile.name, "user_id": profile.user_id},
        )
    queue_drain(team_ids=[team.pk])
    # Not team_settings_changed's emit: the waiting hear their place after the drain gave the
    # new member what they can take.
    event_emit("queue.moved", team_id=team.pk)
    return profile


def team_member_remove(*, actor: AgentProfile, team_id: Any, agent_id: Any) -> None:
    """Take an agent out of the team. Conversations assigned to them stay theirs."""
    supervisor_check(actor)
    with transaction.atomic():
        team = team_get_locked(team_id=team_id)
        profile = _agent_get(agent_id)
        profile.teams.remove(team)
        team_settings_changed(
            actor=actor,
            team=team,
            detail={"member_removed": profile.name, "user_id": profile.user_id},
        )
