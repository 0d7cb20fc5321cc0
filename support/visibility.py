"""Who may see a conversation: the one rule, in each form its readers need.

An agent sees the conversations of their teams, the unrouted ones (no team) and those
assigned to them; a supervisor sees every conversation. Forms of that rule:

- conversation_visible_to_agent_q: the Q form, on conversations or through a relation
  (inbox, search, contact panel, one conversation for the console);
- agent_visibility_sql: the same condition as SQL on the conversations table, for the fenced
  statements of the message path (support.sql); tests compare it with the Q form for every
  role, team and assignment;
- agents_who_may_see_q: the rule read the other way round, agents who may see one
  conversation (mentions in notes);
- conversation_visible_to_agent: the rule on a loaded conversation, for code that holds one.

An API token sees the conversations of its widget, or every one when it names none:
widget_scope_q (the REST API and its exports).
"""

from django.db.models import Q

from .models import AgentProfile, Conversation


def agent_team_ids(*, profile: AgentProfile) -> list[int]:
    """The agent's team ids, loaded once per profile object (once per request)."""
    if not hasattr(profile, "_team_ids"):
        profile._team_ids = list(profile.teams.values_list("id", flat=True))
    return profile._team_ids


def conversation_visible_to_agent_q(profile: AgentProfile, *, prefix: str = "") -> Q:
    """Agents see their teams' conversations, unrouted ones and those assigned to them.

    `prefix` applies the rule through a relation, e.g. "conversation__" from a message.
    """
    if profile.is_supervisor:
        return Q()
    team_ids = agent_team_ids(profile=profile)
    return (
        Q(**{f"{prefix}team__isnull": True})
        | Q(**{f"{prefix}team_id__in": team_ids})
        | Q(**{f"{prefix}assignee_id": profile.user_id})
    )


def conversation_visible_to_agent(*, profile: AgentProfile, conversation: Conversation) -> bool:
    """conversation_visible_to_agent_q for a conversation already loaded: no query beyond the
    agent's team ids (once per profile object)."""
    if profile.is_supervisor or conversation.team_id is None:
        return True
    return conversation.assignee_id == profile.user_id or conversation.team_id in agent_team_ids(
        profile=profile
    )


def agent_visibility_sql(connection, *, table: str | None = None) -> str:
    """conversation_visible_to_agent_q for one (non-supervisor) agent as a condition on the
    conversations table (or its alias `table`, quoted), with two parameters (the agent
    profile's id, its user's id):

        Q(team__isnull=True) | Q(team_id__in=<the agent's teams>) | Q(assignee_id=<the agent>)
    """
    quote = connection.ops.quote_name
    meta = Conversation._meta
    conversations = table or quote(meta.db_table)
    teams_field = AgentProfile._meta.get_field("teams")
    through = quote(teams_field.m2m_db_table())
    team = f"{conversations}.{quote(meta.get_field('team').column)}"
    assignee = f"{conversations}.{quote(meta.get_field('assignee').column)}"
    return (
        f"({team} IS NULL "  # noqa: S608
        f"OR {team} IN (SELECT {through}.{quote(teams_field.m2m_reverse_name())} FROM {through} "
        f"WHERE {through}.{quote(teams_field.m2m_column_name())} = %s) "
        f"OR {assignee} = %s)"
    )


def agent_visibility_params(profile: AgentProfile) -> list:
    """The parameters of agent_visibility_sql, in its order."""
    return [profile.pk, profile.user_id]


def agents_who_may_see_q(conversation: Conversation) -> Q:
    """The agent profiles conversation_visible_to_agent_q lets see this conversation:
    everyone for an unrouted one; else supervisors, its assignee and its team's agents."""
    if conversation.team_id is None:
        return Q()
    return (
        Q(role=AgentProfile.Role.SUPERVISOR)
        | Q(user_id=conversation.assignee_id)
        | Q(teams=conversation.team_id)
    )


def widget_scope_q(widget_id: int | None, *, prefix: str = "") -> Q:
    """What an API token may see: its widget's rows (through `prefix`, e.g. "contact__" from a
    conversation), or every row for a token that names no widget."""
    return Q(**{f"{prefix}widget_id": widget_id}) if widget_id else Q()


# Canned replies and macros: an agent's own, or one team's.


def own_or_team_q(profile: AgentProfile) -> Q:
    """The items an agent may use: their own and their teams' (supervisors: every team's)."""
    scope = Q(owner_id=profile.user_id)
    if profile.is_supervisor:
        return scope | Q(team__isnull=False)
    return scope | Q(team_id__in=agent_team_ids(profile=profile))


def own_or_team_can_manage(*, profile: AgentProfile, item) -> bool:
    """Agents manage their own items; supervisors also every team's."""
    if item.owner_id is not None:
        return item.owner_id == profile.user_id
    return profile.is_supervisor
