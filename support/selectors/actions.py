"""Reads for the console's actions on conversations: bulk rows, blocks and macros (issue 24)."""

from django.db.models import Q
from django.utils.translation import gettext as _

from .. import errors
from ..edge import row_id
from ..models import AgentProfile, ContactBlock, Conversation, Macro, Team
from ..visibility import (
    conversation_visible_to_agent_q,
    own_or_team_can_manage,
    own_or_team_q,
)
from .agents import label_list


def conversation_list_for_agent_by_ids(
    *, profile: AgentProfile, ids: list[int]
) -> list[Conversation]:
    """The conversations among `ids` the agent may see (one query): a bulk action's rows."""
    return list(
        Conversation.objects.filter(conversation_visible_to_agent_q(profile), pk__in=ids).order_by(
            "pk"
        )
    )


def team_exists(*, team_id) -> bool:
    team_id = row_id(team_id)
    return team_id is not None and Team.objects.filter(pk=team_id).exists()


def label_exists(*, label_id) -> bool:
    label_id = row_id(label_id)
    return label_id is not None and any(label.pk == label_id for label in label_list())


def block_list_recent(*, limit: int = 100) -> list[ContactBlock]:
    """Standing blocks first, then the lifted ones, newest first, with who did what."""
    return list(
        ContactBlock.objects.select_related("contact", "blocked_by", "lifted_by", "widget")
        .annotate(standing=Q(lifted_at__isnull=True))
        .order_by("-standing", "-created_at", "-id")[:limit]
    )


def macro_list_for_agent(*, profile: AgentProfile) -> list[Macro]:
    """The macros an agent may run: their own and their teams' (supervisors: every team's)."""
    return list(Macro.objects.filter(own_or_team_q(profile)).select_related("team"))


def macro_can_manage(*, profile: AgentProfile, macro: Macro) -> bool:
    """Agents manage their own macros; supervisors also every team's."""
    return own_or_team_can_manage(profile=profile, item=macro)


def macro_get_for_agent(*, profile: AgentProfile, macro_id) -> Macro:
    for macro in macro_list_for_agent(profile=profile):
        if str(macro.pk) == str(macro_id):
            return macro
    raise errors.NotFound(_("No such macro."))
