"""Canned replies an agent may use, and the composer's menu of them."""

from django.contrib.auth import get_user_model

from .. import errors
from ..models import (
    AgentProfile,
    CannedResponse,
)
from ..process_cache import ProcessCache
from ..visibility import agent_team_ids, own_or_team_can_manage, own_or_team_q

User = get_user_model()

CANNED_PREVIEW_CHARS = 120


def _canned_menu_load() -> list[tuple[dict, int | None, int | None]]:
    """What the composer's canned-reply menu shows of every reply, with its team and owner."""
    rows = CannedResponse.objects.values(
        "id", "title", "shortcut", "body_en", "team_id", "owner_id"
    )
    return [
        (
            {
                "id": row["id"],
                "title": row["title"],
                "shortcut": row["shortcut"],
                "preview": row["body_en"][:CANNED_PREVIEW_CHARS],
            },
            row["team_id"],
            row["owner_id"],
        )
        for row in rows
    ]


_canned_menu = ProcessCache(_canned_menu_load, models=(CannedResponse,))


def canned_response_list_for_agent(*, profile: AgentProfile) -> list[CannedResponse]:
    """The replies an agent may use: their teams' and their own (supervisors: every team's)."""
    return list(
        CannedResponse.objects.filter(own_or_team_q(profile)).select_related("team", "owner")
    )


def canned_response_menu_for_agent(*, profile: AgentProfile) -> list[dict]:
    """canned_response_list_for_agent's replies as the composer's menu lists them (id, title,
    shortcut, the start of the English body as `preview`): from the per-process copy, fresh
    dicts."""
    team_ids = None if profile.is_supervisor else set(agent_team_ids(profile=profile))
    return [
        dict(item)
        for item, team_id, owner_id in _canned_menu.get()
        if owner_id == profile.user_id
        or (team_id is not None and (team_ids is None or team_id in team_ids))
    ]


def canned_response_get_for_agent(*, profile: AgentProfile, canned_id) -> CannedResponse:
    try:
        canned_id = int(canned_id)
    except (TypeError, ValueError):
        raise errors.NotFound("No such canned reply.") from None
    for canned in canned_response_list_for_agent(profile=profile):
        if canned.pk == canned_id:
            return canned
    raise errors.NotFound("No such canned reply.")


def canned_response_can_manage(*, profile: AgentProfile, canned: CannedResponse) -> bool:
    """Agents manage their own replies; supervisors also every team's."""
    return own_or_team_can_manage(profile=profile, item=canned)
