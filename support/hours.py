"""Business hours: is a team open at an instant, when does it close, when does it next open.

Pure functions over a team's weekly intervals (`team.hours`) and special days
(`team.special_days`); the only queries are the two that load those rows, and none when they
are prefetched (`hours_prefetches`, `teams_opening_status`).

The rules:

- Weekly intervals are wall-clock times in the team's `time_zone`. An interval whose closing
  time is at or before its opening time spans midnight into the next day (Fri 22:00–02:00 is
  open on Saturday at 01:00); 00:00–00:00 is open the whole day. Opening is inclusive and
  closing exclusive: 09:00–17:00 is open at 09:00 and closed at 17:00.
- A team with no weekly intervals is open around the clock (every day is 00:00–00:00), except
  where a special day says otherwise; with no special days either it is simply always open.
- A special day replaces the weekly intervals of its local date: closed all day, or open only
  during its own hours (which may span midnight by the same rule). It only replaces the
  intervals that *start* on that date: an interval of the previous day that spans midnight
  still runs until its close on the holiday morning (Fri 22:00–02:00 before a Saturday holiday
  is open until Saturday 02:00). Likewise a special day's own hours may run into the next day.
- Daylight saving time: each wall-clock time is placed on its own date in the team's zone, so
  09:00–17:00 stays 09:00–17:00 local on either side of a change and 00:00–00:00 lasts 23 or 25
  hours on the change days. A local time that does not exist (the spring-forward gap) moves
  forward by the length of the gap (02:30 on a day that jumps from 02:00 to 03:00 is 03:30), as
  RFC 5545 and `zoneinfo` with `fold=0` do. A local time that happens twice (fall back) means
  its first occurrence (`fold=0`, still on summer time). An interval that is empty after this
  (02:30–03:00 on the spring-forward day) is dropped.
- Times are looked at up to `HORIZON` (14 days) ahead: `next_open_at` is None when the team is
  open or does not open within the horizon; `closes_at` is None when the team is closed or does
  not close within the horizon. Both are aware datetimes in UTC.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from .languages import language_code
from .models import BusinessHoursInterval, SpecialDay, Team
from .process_cache import ProcessCache

logger = logging.getLogger(__name__)

HORIZON = timedelta(days=14)
ONE_DAY = timedelta(days=1)
MIDNIGHT = time(0, 0)


@dataclass(frozen=True)
class OpeningStatus:
    is_open: bool
    closes_at: datetime | None = None
    next_open_at: datetime | None = None


ALWAYS_OPEN = OpeningStatus(is_open=True)


@dataclass(frozen=True)
class SupportHours:
    """The answer for several teams at once (the widget before a topic is chosen)."""

    status: OpeningStatus
    # Whose out-of-hours message applies: the closed team opening next; None while open.
    next_team: Team | None
    by_team: dict[int, OpeningStatus]


def team_time_zone(team: Team) -> ZoneInfo:
    try:
        return ZoneInfo(team.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        # The admin form refuses unknown zones; a bad value from elsewhere must not take the
        # widget down, so it is reported and the project's zone is used.
        logger.warning("Team %s has an unknown time zone %r", team.pk, team.time_zone)
        return ZoneInfo(settings.TIME_ZONE)


def agent_time_zone(*, profile, browser: str = "") -> ZoneInfo:
    """The zone an agent's day is in: the browser's (where the console runs now) when it
    names a known zone, else the profile's, else the project's TIME_ZONE."""
    for name in (browser, getattr(profile, "time_zone", "")):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                pass
    return ZoneInfo(settings.TIME_ZONE)


def _special_day_range(at: datetime) -> tuple[date, date]:
    """Every local date the computation can touch, in any zone (UTC-12 … UTC+14)."""
    day = at.astimezone(UTC).date()
    return day - 2 * ONE_DAY, day + HORIZON + 3 * ONE_DAY


def _copy_window() -> tuple[date, date]:
    """The special days the per-process copy holds: a window around today."""
    today = timezone.now().astimezone(UTC).date()
    return today - 3 * ONE_DAY, today + HORIZON + 4 * ONE_DAY


def _every_team_rows_load() -> tuple[tuple[date, date], dict, dict]:
    """Every team's weekly intervals and its special days in the copy's window."""
    window = _copy_window()
    hours_by_team, special_days_by_team = defaultdict(list), defaultdict(list)
    for interval in BusinessHoursInterval.objects.all():
        hours_by_team[interval.team_id].append(interval)
    for special_day in SpecialDay.objects.filter(date__range=window):
        special_days_by_team[special_day.team_id].append(special_day)
    return window, hours_by_team, special_days_by_team


# Read for every message of a visitor waiting for a first answer (the after-hours reply) and
# for every first reply (business time); changed from the admin a few times a year. Other
# processes see a change within seconds.
_every_team_rows = ProcessCache(_every_team_rows_load, models=(BusinessHoursInterval, SpecialDay))


def _team_rows_between(team: Team, first: date, last: date) -> tuple[list, list]:
    """The team's weekly intervals and its special days from `first` to `last`: from this
    process's copy when its window covers them (no query), else in two queries."""
    start, end = _copy_window()
    if start <= first and last <= end:  # else loading the copy would be in vain
        window, hours_by_team, special_days_by_team = _every_team_rows.get()
        if window[0] <= first and last <= window[1]:  # a copy loaded before midnight may not
            special_days = [
                day for day in special_days_by_team.get(team.pk, []) if first <= day.date <= last
            ]
            return hours_by_team.get(team.pk, []), special_days
    return list(team.hours.all()), list(team.special_days.filter(date__range=(first, last)))


def hours_prefetches(*, at: datetime) -> list[Prefetch]:
    """What to prefetch on teams so that their opening status at `at` needs no query.

    Only the special days around `at` are loaded: statuses at other instants need a fresh
    prefetch (a plain `prefetch_related("special_days")` works for any instant).
    """
    return [
        Prefetch("hours"),
        Prefetch(
            "special_days",
            queryset=SpecialDay.objects.filter(date__range=_special_day_range(at)),
        ),
    ]


def _team_rows(team: Team, at: datetime) -> tuple[list, list]:
    if "special_days" in getattr(team, "_prefetched_objects_cache", {}):
        return list(team.hours.all()), list(team.special_days.all())
    return _team_rows_between(team, *_special_day_range(at))


def _instant(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """A wall-clock time on a local date as a UTC instant (gap: forward; overlap: first)."""
    local = datetime.combine(day, wall.replace(tzinfo=None, fold=0), tzinfo=tz)
    return local.astimezone(UTC)


def _windows(*, hours, special_days, tz: ZoneInfo, first: date, last: date):
    """The open periods starting on local dates first…last, as (start, end) UTC pairs."""
    weekly: dict[int, list[tuple[time, time]]] = {}
    for interval in hours:
        weekly.setdefault(interval.weekday, []).append((interval.opens_at, interval.closes_at))
    specials = {special.date: special for special in special_days}
    day = first
    while day <= last:
        special = specials.get(day)
        if special is not None:
            pairs = [] if special.is_closed else [(special.opens_at, special.closes_at)]
        elif not hours:
            pairs = [(MIDNIGHT, MIDNIGHT)]
        else:
            pairs = weekly.get(day.weekday(), [])
        for opens, closes in pairs:
            start = _instant(day, opens, tz)
            end = _instant(day + ONE_DAY if closes <= opens else day, closes, tz)
            if end > start:
                yield start, end
        day += ONE_DAY


def _merged(windows) -> list[tuple[datetime, datetime]]:
    """Overlapping or touching periods joined: Mon 00:00–00:00 + Tue 00:00–00:00 is one."""
    merged: list[list[datetime]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def opening_status(*, hours, special_days, time_zone: ZoneInfo, at: datetime) -> OpeningStatus:
    """The pure core: the status at `at` for these rows (no database access)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("`at` must be an aware datetime.")
    if not hours and not special_days:
        return ALWAYS_OPEN
    at = at.astimezone(UTC)
    until = at + HORIZON
    local_day = at.astimezone(time_zone).date()
    periods = _merged(
        _windows(
            hours=hours,
            special_days=special_days,
            tz=time_zone,
            first=local_day - ONE_DAY,
            last=local_day + HORIZON + ONE_DAY,
        )
    )
    for start, end in periods:
        if start <= at < end:
            return OpeningStatus(is_open=True, closes_at=end if end <= until else None)
        if at < start:
            return OpeningStatus(is_open=False, next_open_at=start if start <= until else None)
    return OpeningStatus(is_open=False)


def team_opening_status(*, team: Team, at: datetime) -> OpeningStatus:
    """Is the team open at `at`? No query with `hours_prefetches` or when this process's copy
    of every team's rows covers `at` (at most a few seconds old); else two."""
    hours, special_days = _team_rows(team, at)
    return opening_status(
        hours=hours, special_days=special_days, time_zone=team_time_zone(team), at=at
    )


def teams_opening_status(*, teams: Iterable[Team], at: datetime) -> dict[int, OpeningStatus]:
    """The status of each team by id, in two queries however many teams."""
    teams = list(teams)
    prefetch_related_objects(teams, *hours_prefetches(at=at))
    return {team.pk: team_opening_status(team=team, at=at) for team in teams}


def support_hours(*, teams: Iterable[Team], at: datetime) -> SupportHours:
    """Support as a whole: open when any of the teams is open (or when there are none).

    Closed, it opens next when the first of the teams opens; that team's out-of-hours message
    applies (the first team by name when none opens within the horizon).
    """
    teams = sorted({team.pk: team for team in teams}.values(), key=lambda t: (t.name, t.pk))
    by_team = teams_opening_status(teams=teams, at=at)
    if not teams:
        return SupportHours(status=ALWAYS_OPEN, next_team=None, by_team=by_team)
    open_now = [by_team[team.pk] for team in teams if by_team[team.pk].is_open]
    if open_now:
        ends = [status.closes_at for status in open_now]
        closes_at = None if None in ends else max(ends)
        return SupportHours(
            status=OpeningStatus(is_open=True, closes_at=closes_at),
            next_team=None,
            by_team=by_team,
        )
    upcoming = [team for team in teams if by_team[team.pk].next_open_at is not None]
    next_team = min(upcoming, key=lambda t: by_team[t.pk].next_open_at, default=teams[0])
    return SupportHours(
        status=OpeningStatus(is_open=False, next_open_at=by_team[next_team.pk].next_open_at),
        next_team=next_team,
        by_team=by_team,
    )


def team_out_of_hours_message(*, team: Team | None, language: str | None) -> str:
    """The team's own message in the visitor's language ("" when it has none)."""
    if team is None:
        return ""
    if language_code(language) == "tr":
        return team.out_of_hours_message_tr.strip()
    return team.out_of_hours_message_en.strip()


def out_of_hours_message(*, team: Team | None, language: str | None) -> str:
    """The team's own message in the visitor's language, or a translated default."""
    own = team_out_of_hours_message(team=team, language=language)
    if own:
        return own
    with translation.override(language_code(language)):
        return gettext("We're away right now. Leave a message and we'll reply when we're back.")


def opening_status_text(*, team: Team, at: datetime) -> str:
    """ "Open now" or "Closed — opens Monday 30 March 09:00 (Europe/Berlin)", for supervisors."""
    status = team_opening_status(team=team, at=at)
    if status.is_open:
        return gettext("Open now")
    if status.next_open_at is None:
        return gettext("Closed — does not open in the next 14 days")
    tz = team_time_zone(team)
    local = status.next_open_at.astimezone(tz)
    return gettext("Closed — opens %(time)s") % {
        "time": f"{formats.date_format(local, 'l j F H:i')} ({tz.key})"
    }


def open_seconds_between(
    *, hours, special_days, time_zone: ZoneInfo, start: datetime, end: datetime
) -> int:
    """The pure core of `team_open_seconds`: seconds of [start, end) during opening hours."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("`start` and `end` must be aware datetimes.")
    if end <= start:
        return 0
    if not hours and not special_days:
        return round((end - start).total_seconds())
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    periods = _merged(
        _windows(
            hours=hours,
            special_days=special_days,
            tz=time_zone,
            # An interval of the day before may run past midnight into `start`'s day.
            first=start.astimezone(time_zone).date() - ONE_DAY,
            last=end.astimezone(time_zone).date(),
        )
    )
    total = timedelta(0)
    for period_start, period_end in periods:
        overlap = min(end, period_end) - max(start, period_start)
        if overlap > timedelta(0):
            total += overlap
    return round(total.total_seconds())


def team_open_seconds(*, team: Team | None, start: datetime, end: datetime) -> int:
    """Business-hours length of [start, end): only the time the team was open counts.

    Unrouted conversations (no team) have no hours: the whole wall-clock span counts. The
    team's rows come from this process's copy when it covers the span (a first response: at
    most a few seconds old), else in two queries (its weekly intervals and its special days in
    the span).
    """
    if team is None or end <= start:
        return max(0, round((end - start).total_seconds()))
    tz = team_time_zone(team)
    first = start.astimezone(tz).date() - ONE_DAY
    last = end.astimezone(tz).date() + ONE_DAY
    hours, special_days = _team_rows_between(team, first, last)
    return open_seconds_between(
        hours=hours, special_days=special_days, time_zone=tz, start=start, end=end
    )
