"""Reads for the console's settings pages (supervisors): teams with their members, hours and
holidays, topics and response targets, each page's rows in a fixed number of queries."""

from datetime import date

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from .. import errors
from ..models import (
    AgentProfile,
    Priority,
    ResponseTarget,
    SpecialDay,
    Team,
    Topic,
)


def _count_of(model, *, field: str):
    rows = model.objects.filter(**{field: OuterRef("pk")}).order_by().values(field)
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0)


def team_list_for_settings() -> list[Team]:
    """Every team by name with `member_count` and `topic_count` (one query)."""
    members = AgentProfile.teams.through
    return list(
        Team.objects.annotate(
            member_count=_count_of(members, field="team"),
            topic_count=_count_of(Topic, field="team"),
        ).order_by("name")
    )


def team_get_for_settings(*, team_id: int) -> Team:
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise errors.NotFound(_("No such team."))
    return team


def team_members(*, team: Team) -> list[AgentProfile]:
    """The team's agents by name."""
    return sorted(team.agents.select_related("user"), key=lambda profile: profile.name.lower())


def agents_outside_team(*, team: Team) -> list[AgentProfile]:
    """The agents who could join the team, by name."""
    profiles = AgentProfile.objects.exclude(teams=team).select_related("user")
    return sorted(profiles, key=lambda profile: profile.name.lower())


def team_hours_by_weekday(*, team: Team) -> dict[int, list]:
    """The team's weekly intervals by weekday (0 = Monday), in opening order."""
    by_day: dict[int, list] = {day: [] for day in range(7)}
    for interval in team.hours.order_by("weekday", "opens_at"):
        by_day[interval.weekday].append(interval)
    return by_day


def team_holidays_from(*, team: Team, first: date) -> list[SpecialDay]:
    """The team's holidays and special days from `first` on, by date."""
    return list(SpecialDay.objects.filter(team=team, date__gte=first).order_by("date"))


def topic_list_for_settings() -> list[Topic]:
    """Every topic (active or not) in the widget's order, with its team (one query)."""
    return list(Topic.objects.select_related("team").order_by("order", "name_en"))


def topic_get_for_settings(*, topic_id: int) -> Topic:
    topic = Topic.objects.filter(pk=topic_id).first()
    if topic is None:
        raise errors.NotFound(_("No such topic."))
    return topic


def response_targets_by_priority() -> dict[str, ResponseTarget | None]:
    """Each priority, urgent first, with its target (None: no target)."""
    targets = {target.priority: target for target in ResponseTarget.objects.all()}
    return {priority: targets.get(priority) for priority in reversed(Priority.values)}
