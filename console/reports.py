"""Report selectors: the figures of /console/reports/, every one aggregated in SQL.

A module of its own rather than more of `support/selectors/`: it is one feature's reads
(a dozen grouped aggregates sharing one scope and one time zone), it is large, it reads the
help centre's and the ratings' figures too (so it sits in the console, above the domain), and
scripts (the volume benchmark) call its single entry point directly:

    from console.reports import report_build, report_filters
    report = report_build(filters=report_filters(profile=supervisor_profile))

Scope of the figures, for a date range [start_date, end_date] in a time zone:
- *activity*: conversations started per local day (created_at), resolved per local day
  (resolved_at; resolved by the bot = deflection), and started per hour of the week;
- everything else is about the conversations *started in the range* (the cohort): first
  response and resolution times (median and 90th percentile, `percentile_cont`), SLA
  attainment per priority, CSAT, per agent and per topic.

First response and resolution times are the durations stamped on each conversation when it
happened (support.services: `first_response_seconds` / `first_response_business_seconds`
etc.): bot and system messages never count as a response, and the business-hours variant
counts only the time the conversation's team was open (support.hours). Resolution times
leave out the bot's deflections (no person was involved).

Query count is fixed, whatever the volume: ten queries (see `report_build`).
"""

from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Avg, Case, Count, F, IntegerField, Q, QuerySet, When
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone

from faq import selectors as faq_selectors
from ratings import selectors as rating_selectors
from support.aggregates import PercentileCont
from support.hours import agent_time_zone
from support.languages import language_code
from support.models import AgentProfile, Conversation, Priority, ResponseTarget

DEFAULT_DAYS = 30
MAX_DAYS = 366
PERCENTILES = {"median": 0.5, "p90": 0.9}
COMMENTS_LIMIT = 10


@contextmanager
def _plans_for_its_range():
    """PostgreSQL plans each statement for its own dates. With prepared statements
    (server-side binding) it would settle on one generic plan, which scans the date index
    for any range: a 365-day report took ~8% more of its CPU than with its own plans."""
    if connection.vendor != "postgresql":
        yield
        return
    # No savepoint: SET LOCAL ends with the outermost transaction, a statement less.
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        yield


@dataclass(frozen=True)
class ReportFilters:
    """What a report is about. Build it with `report_filters`, which applies permissions."""

    start_date: date
    end_date: date  # inclusive
    time_zone: ZoneInfo
    team_id: int | None = None
    topic_id: int | None = None
    agent_id: int | None = None  # a user id: conversations assigned to that agent
    channel: str = ""  # where customers wrote from (Conversation.Channel); "": every channel
    business_hours: bool = True
    # Agents see their own figures only: the agent filter is pinned and FAQ feedback hidden.
    own_figures_only: bool = False

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start_date, time(0), tzinfo=self.time_zone)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end_date + timedelta(days=1), time(0), tzinfo=self.time_zone)

    @property
    def days(self) -> list[date]:
        count = (self.end_date - self.start_date).days + 1
        return [self.start_date + timedelta(days=n) for n in range(count)]


def report_filters(
    *,
    profile: AgentProfile,
    start_date: date | None = None,
    end_date: date | None = None,
    team_id: int | None = None,
    topic_id: int | None = None,
    agent_id: int | None = None,
    channel: str = "",
    business_hours: bool = True,
    today: date | None = None,
) -> ReportFilters:
    """Filters as `profile` may see them: agents get their own figures whatever they ask.

    Defaults to the last 30 days up to today in the profile's time zone. Dates are validated
    by the caller (the view's form); this only puts them in order and keeps at most MAX_DAYS.
    """
    tz = agent_time_zone(profile=profile)
    today = today or timezone.now().astimezone(tz).date()
    end_date = end_date or today
    start_date = start_date or end_date - timedelta(days=DEFAULT_DAYS - 1)
    if start_date > end_date:
        start_date, end_date = end_date, start_date
    if (end_date - start_date).days + 1 > MAX_DAYS:
        start_date = end_date - timedelta(days=MAX_DAYS - 1)
    filters = ReportFilters(
        start_date=start_date,
        end_date=end_date,
        time_zone=tz,
        team_id=team_id,
        topic_id=topic_id,
        agent_id=agent_id,
        channel=channel if channel in Conversation.Channel.values else "",
        business_hours=business_hours,
    )
    if not profile.is_supervisor:
        filters = replace(filters, agent_id=profile.user_id, own_figures_only=True)
    return filters


def _scope(filters: ReportFilters) -> Q:
    scope = Q()
    if filters.team_id is not None:
        scope &= Q(team_id=filters.team_id)
    if filters.topic_id is not None:
        scope &= Q(topic_id=filters.topic_id)
    if filters.agent_id is not None:
        scope &= Q(assignee_id=filters.agent_id)
    if filters.channel:
        scope &= Q(channel=filters.channel)
    return scope


def report_conversations(*, filters: ReportFilters) -> QuerySet[Conversation]:
    """The cohort: conversations started in the range, within the filters."""
    return Conversation.objects.filter(
        _scope(filters), created_at__gte=filters.since, created_at__lt=filters.until
    ).order_by()


def _duration_fields(filters: ReportFilters) -> tuple[str, str]:
    if filters.business_hours:
        return "first_response_business_seconds", "resolution_business_seconds"
    return "first_response_seconds", "resolution_seconds"


def _resolution_by_person(field_name: str) -> Case:
    """The resolution time, NULL for the bot's deflections (percentiles skip NULLs)."""
    return Case(
        When(resolved_by_bot=False, then=F(field_name)), default=None, output_field=IntegerField()
    )


def _started_by_local_hour(*, filters: ReportFilters) -> list[tuple[datetime, int]]:
    """Conversations started per local hour of the range (≤ 24 × 366 rows): one query that
    feeds both the per-day activity and the hour-of-week heat map."""
    return list(
        report_conversations(filters=filters)
        .annotate(hour=TruncHour("created_at", tzinfo=filters.time_zone))
        .values_list("hour")
        .annotate(count=Count("id"))
    )


def _resolved_by_local_day(*, filters: ReportFilters) -> dict[date, dict]:
    rows = (
        Conversation.objects.filter(
            _scope(filters), resolved_at__gte=filters.since, resolved_at__lt=filters.until
        )
        .order_by()
        .annotate(day=TruncDate("resolved_at", tzinfo=filters.time_zone))
        .values("day")
        .annotate(resolved=Count("id"), by_bot=Count("id", filter=Q(resolved_by_bot=True)))
    )
    return {row["day"]: row for row in rows}


def _activity_from(*, filters: ReportFilters, started_hours, resolved) -> dict:
    started: dict[date, int] = {}
    for hour, count in started_hours:
        day = hour.astimezone(filters.time_zone).date()
        started[day] = started.get(day, 0) + count
    days = [
        {
            "day": day,
            "started": started.get(day, 0),
            "resolved": resolved.get(day, {}).get("resolved", 0),
            "resolved_by_bot": resolved.get(day, {}).get("by_bot", 0),
        }
        for day in filters.days
    ]
    totals = {
        key: sum(row[key] for row in days) for key in ("started", "resolved", "resolved_by_bot")
    }
    totals["deflection_percent"] = (
        100 * totals["resolved_by_bot"] / totals["resolved"] if totals["resolved"] else None
    )
    return {"days": days, "totals": totals}


def _heatmap_from(*, filters: ReportFilters, started_hours) -> list[list[int]]:
    grid = [[0] * 24 for _weekday in range(7)]
    for hour, count in started_hours:
        local = hour.astimezone(filters.time_zone)
        grid[local.weekday()][local.hour] += count
    return grid


def _summary_aggregates(filters: ReportFilters) -> dict:
    first, resolution = _duration_fields(filters)
    resolution_expression = _resolution_by_person(resolution)
    aggregates = {
        "first_response_count": Count(first),
        "resolution_count": Count(resolution_expression),
    }
    for name, fraction in PERCENTILES.items():
        aggregates[f"first_response_{name}"] = PercentileCont(first, fraction)
        aggregates[f"resolution_{name}"] = PercentileCont(resolution_expression, fraction)
    return aggregates


def _summary_from(row: dict) -> dict:
    return {
        kind: {
            "count": row[f"{kind}_count"],
            **{name: row[f"{kind}_{name}"] for name in PERCENTILES},
        }
        for kind in ("first_response", "resolution")
    }


SLA_KINDS = (("first_response", "first_response_at", "first_response_due_at"),
             ("resolution", "resolved_at", "resolution_due_at"))  # fmt: skip


def _sla_aggregates(now: datetime) -> dict:
    """In time / late counts per priority and kind, as conditional counts of one scan.

    Conversations with a due time only (targets apply from entering the queue). In time: done
    by the due time. Late: done after it, or not done and the due time has passed. Not done
    and not yet due counts neither way.
    """
    aggregates = {}
    for priority in Priority.values:
        for kind, done, due in SLA_KINDS:
            scope = Q(priority=priority, **{f"{due}__isnull": False})
            met = Q(**{f"{done}__isnull": False, f"{done}__lte": F(due)})
            missed = Q(**{f"{done}__gt": F(due)}) | Q(
                **{f"{done}__isnull": True, f"{due}__lt": now}
            )
            aggregates[f"sla_{priority}_{kind}_met"] = Count("id", filter=scope & met)
            aggregates[f"sla_{priority}_{kind}_missed"] = Count("id", filter=scope & missed)
    return aggregates


def _sla_from(row: dict) -> list[dict]:
    targets = {target.priority: target for target in ResponseTarget.objects.all()}
    result = []
    for priority in reversed(Priority.values):  # urgent first
        target = targets.get(priority)
        entry = {
            "priority": priority,
            "label": Priority(priority).label,
            "first_response_target_seconds": target.first_response_seconds if target else None,
            "resolution_target_seconds": target.resolution_seconds if target else None,
        }
        for kind, _done, _due in SLA_KINDS:
            met = row[f"sla_{priority}_{kind}_met"]
            missed = row[f"sla_{priority}_{kind}_missed"]
            entry[f"{kind}_met"] = met
            entry[f"{kind}_missed"] = missed
            entry[f"{kind}_percent"] = 100 * met / (met + missed) if met + missed else None
        result.append(entry)
    return result


def report_agents(*, filters: ReportFilters) -> list[dict]:
    """Per agent (the conversation's assignee): handled, resolved, median first response,
    CSAT average and ratings count; one query, busiest first."""
    first, _resolution = _duration_fields(filters)
    rows = (
        report_conversations(filters=filters)
        .filter(assignee__isnull=False)
        .values("assignee_id", "assignee__username", "assignee__agent_profile__display_name")
        .annotate(
            handled=Count("id"),
            resolved=Count("id", filter=Q(resolved_at__isnull=False)),
            first_response_median=PercentileCont(first, 0.5),
            csat_average=Avg("rating__score"),
            ratings=Count("rating"),
        )
        .order_by("-handled", "assignee__username")
    )
    return [
        {
            "user_id": row["assignee_id"],
            "name": row["assignee__agent_profile__display_name"] or row["assignee__username"],
            "handled": row["handled"],
            "resolved": row["resolved"],
            "first_response_median": row["first_response_median"],
            "csat_average": row["csat_average"],
            "ratings": row["ratings"],
        }
        for row in rows
    ]


def report_topics(*, filters: ReportFilters, language: str = "en") -> list[dict]:
    """Per topic: volume, median first response and resolution, CSAT; one query."""
    first, resolution = _duration_fields(filters)
    rows = (
        report_conversations(filters=filters)
        .values("topic_id", "topic__name_en", "topic__name_tr")
        .annotate(
            volume=Count("id"),
            first_response_median=PercentileCont(first, 0.5),
            resolution_median=PercentileCont(_resolution_by_person(resolution), 0.5),
            csat_average=Avg("rating__score"),
            ratings=Count("rating"),
        )
        .order_by("-volume", "topic__name_en")
    )
    turkish = language_code(language) == "tr"
    return [
        {
            "topic_id": row["topic_id"],
            "name": (row["topic__name_tr"] if turkish and row["topic__name_tr"] else None)
            or row["topic__name_en"],
            "volume": row["volume"],
            "first_response_median": row["first_response_median"],
            "resolution_median": row["resolution_median"],
            "csat_average": row["csat_average"],
            "ratings": row["ratings"],
        }
        for row in rows
    ]


@dataclass
class Report:
    filters: ReportFilters
    activity: dict
    heatmap: list[list[int]]
    times: dict
    sla: list[dict]
    csat: dict
    comments: list
    agents: list[dict]
    topics: list[dict]
    faq: dict | None = field(default=None)


def report_build(
    *, filters: ReportFilters, language: str = "en", now: datetime | None = None
) -> Report:
    """Every figure of the report page, in a fixed number of queries (10; 8 without FAQ
    feedback): the plan mode 1 (PostgreSQL), started per hour 1, resolved per day 1, one
    aggregate for times, SLA and CSAT 1 (+ the response targets 1), comments 1, agents 1,
    topics 1, FAQ feedback 2. The conversation table is scanned five times whatever the
    range or volume."""
    with _plans_for_its_range():
        now = now or timezone.now()
        conversations = report_conversations(filters=filters)
        faq = None
        if not filters.own_figures_only and filters.agent_id is None:
            faq = faq_selectors.article_feedback_report(
                since=filters.since,
                until=filters.until,
                topic_id=filters.topic_id,
                team_id=filters.team_id,
            )
        started_hours = _started_by_local_hour(filters=filters)
        totals = conversations.aggregate(
            **_summary_aggregates(filters),
            **_sla_aggregates(now),
            **rating_selectors.rating_aggregates(),
        )
        return Report(
            filters=filters,
            activity=_activity_from(
                filters=filters,
                started_hours=started_hours,
                resolved=_resolved_by_local_day(filters=filters),
            ),
            heatmap=_heatmap_from(filters=filters, started_hours=started_hours),
            times=_summary_from(totals),
            sla=_sla_from(totals),
            csat=rating_selectors.rating_summary_from(totals),
            comments=rating_selectors.rating_comments_latest(
                conversations=conversations, limit=COMMENTS_LIMIT
            ),
            agents=report_agents(filters=filters),
            topics=report_topics(filters=filters, language=language),
            faq=faq,
        )
