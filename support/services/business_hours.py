"""A team's business hours and holidays from the console's settings (supervisors).

The rules of support.hours hold: times are wall-clock times in the team's zone, a closing
time at or before the opening time runs past midnight (18:00–02:00, what a restaurant keeps),
00:00–00:00 is the whole day, and a team with no weekly hours is open around the clock. On top
of them the console refuses what is surely a typing mistake: one time without the other, the
same time twice (other than 00:00–00:00) and intervals that overlap anywhere in the week.
Whoever waits in the team's queue hears again (`queue.moved`): whether anyone can answer, and
the after-hours offer, may have changed.
"""

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.utils.translation import gettext as _

from .. import errors
from ..edge import row_id
from ..hours import team_time_zone
from ..models import AgentProfile, BusinessHoursInterval, SpecialDay
from .configuration import form_invalid, supervisor_check
from .teams import team_get_locked, team_settings_changed

WEEK_MINUTES = 7 * 24 * 60
DAY_MINUTES = 24 * 60
# How many intervals one weekday may hold (a lunch and a dinner shift, and one to spare).
MAX_INTERVALS_PER_DAY = 4
HOLIDAY_NAME_MAX_CHARS = 120
OUT_OF_HOURS_FIELDS = ("out_of_hours_message_en", "out_of_hours_message_tr")
OUT_OF_HOURS_MAX_CHARS = 500


def _clock(text: Any) -> time | None:
    """The "HH:MM" (what <input type=time> sends) as a time; None when empty; ValueError else."""
    text = str(text or "").strip()
    if not text:
        return None
    return time.fromisoformat(text).replace(second=0, microsecond=0)


def _times_clean(opens: Any, closes: Any) -> tuple[time, time] | None:
    """Both times, or neither (None). Raises ValueError with the problem, translated."""
    try:
        opens_at, closes_at = _clock(opens), _clock(closes)
    except ValueError:
        raise ValueError(_("Enter times as HH:MM, e.g. 09:00.")) from None
    if opens_at is None and closes_at is None:
        return None
    if opens_at is None or closes_at is None:
        raise ValueError(_("Give both the opening and the closing time."))
    if opens_at == closes_at and opens_at != time(0, 0):
        raise ValueError(
            _("Opening and closing are the same time. For the whole day use 00:00–00:00.")
        )
    return opens_at, closes_at


def _week_span(weekday: int, opens_at: time, closes_at: time) -> tuple[int, int]:
    """Minutes from Monday 00:00: start and end (end may pass the week's end)."""
    start = weekday * DAY_MINUTES + opens_at.hour * 60 + opens_at.minute
    length = (closes_at.hour * 60 + closes_at.minute) - (opens_at.hour * 60 + opens_at.minute)
    if length <= 0:  # past midnight (or 00:00–00:00, the whole day)
        length += DAY_MINUTES
    return start, start + length


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    # Shifted by a week too: Sunday 22:00–02:00 runs into Monday morning.
    return any(
        a[0] < b[1] + shift and b[0] + shift < a[1] for shift in (-WEEK_MINUTES, 0, WEEK_MINUTES)
    )


def time_zone_clean(value: Any) -> str:
    text = str(value or "").strip()
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            _("Unknown time zone: choose one from the list, e.g. Europe/Istanbul.")
        ) from None
    return text


def team_hours_set(
    *,
    actor: AgentProfile,
    team_id: Any,
    time_zone: Any,
    always_open: bool,
    intervals: list[dict[str, Any]],
    messages: dict[str, Any] | None = None,
) -> None:
    """Replace the team's weekly hours and set its time zone, all or nothing.

    `intervals` are {weekday (0 = Monday), slot, opens, closes} as typed; a slot with both
    times empty is no interval (a day with none is closed). `always_open` drops every interval.
    `messages` may set the out-of-hours replies (OUT_OF_HOURS_FIELDS; empty: the default one).
    Problems are FormInvalid with the fields `time_zone`, `hours`, `<weekday>-<slot>` and
    the message fields."""
    supervisor_check(actor)
    problems: dict[str, str] = {}
    texts = {
        name: str((messages or {}).get(name) or "").strip()
        for name in OUT_OF_HOURS_FIELDS
        if messages is not None and name in messages
    }
    for name, text in texts.items():
        if len(text) > OUT_OF_HOURS_MAX_CHARS:
            problems[name] = _("At most %(max)s characters.") % {"max": OUT_OF_HOURS_MAX_CHARS}
    try:
        zone = time_zone_clean(time_zone)
    except ValueError as error:
        problems["time_zone"] = str(error)
    wanted: list[tuple[str, int, time, time]] = []
    if not always_open:
        for typed in intervals:
            weekday, slot = int(typed["weekday"]), int(typed["slot"])
            if weekday not in range(7) or slot not in range(MAX_INTERVALS_PER_DAY):
                raise errors.InvalidInput(_("Unknown day."), code="invalid_weekday")
            field = f"{weekday}-{slot}"
            try:
                pair = _times_clean(typed.get("opens"), typed.get("closes"))
            except ValueError as error:
                problems[field] = str(error)
                continue
            if pair is not None:
                wanted.append((field, weekday, *pair))
        spans = [(field, _week_span(weekday, o, c)) for field, weekday, o, c in wanted]
        for index, (field, span) in enumerate(spans):
            if field not in problems and any(_overlap(span, other) for _f, other in spans[:index]):
                problems[field] = _("This overlaps other opening hours.")
        if not wanted and not any(field[:1].isdigit() for field in problems):
            problems["hours"] = _("Give at least one day's hours, or choose open around the clock.")
    if problems:
        raise form_invalid(problems, code="invalid_hours")
    with transaction.atomic():
        team = team_get_locked(team_id=team_id)
        before = [str(interval) for interval in team.hours.all()]
        # One by one, not in bulk: support.hours' per-process copy is cleared by their signals.
        for interval in team.hours.all():
            interval.delete()
        for _field, weekday, opens_at, closes_at in sorted(wanted, key=lambda w: (w[1], w[2])):
            BusinessHoursInterval.objects.create(
                team=team, weekday=weekday, opens_at=opens_at, closes_at=closes_at
            )
        after = [str(interval) for interval in team.hours.all()]
        changed = {
            name: [getattr(team, name), text]
            for name, text in {"time_zone": zone, **texts}.items()
            if getattr(team, name) != text
        }
        if changed:
            for name, (_before, text) in changed.items():
                setattr(team, name, text)
            team.save(update_fields=list(changed))
        if before != after:
            changed["hours"] = [before, after]
        if changed:
            team_settings_changed(actor=actor, team=team, detail={"changed": changed})


def team_holiday_add(
    *, actor: AgentProfile, team_id: Any, values: dict[str, Any], today: date | None = None
) -> SpecialDay:
    """A holiday: closed all day, or open only during its own hours (`closed` false, `opens`
    and `closes`). Not in the past (the team's today), one per date. Problems are
    FormInvalid with the fields `date`, `name`, `opens` and `closes`."""
    supervisor_check(actor)
    problems: dict[str, str] = {}
    name = str(values.get("name") or "").strip()
    if not name or len(name) > HOLIDAY_NAME_MAX_CHARS:
        problems["name"] = _("A name of 1 to %(max)s characters is required.") % {
            "max": HOLIDAY_NAME_MAX_CHARS
        }
    try:
        day = date.fromisoformat(str(values.get("date") or "").strip())
    except ValueError:
        day = None
        problems["date"] = _("Enter a date, e.g. 2027-04-23.")
    closed = bool(values.get("closed"))
    pair = None
    if not closed:
        try:
            pair = _times_clean(values.get("opens"), values.get("closes"))
        except ValueError as error:
            problems["opens"] = str(error)
        else:
            if pair is None:
                problems["opens"] = _("Give the day's hours, or mark it closed all day.")
    with transaction.atomic():
        team = team_get_locked(team_id=team_id)
        if day is not None:
            local_today = today or datetime.now(team_time_zone(team)).date()
            if day < local_today:
                problems["date"] = _("This date is in the past.")
            elif team.special_days.filter(date=day).exists():
                problems["date"] = _("This team has a holiday on this date already.")
        if problems:
            raise form_invalid(problems, code="invalid_holiday")
        holiday = SpecialDay.objects.create(
            team=team,
            date=day,
            name=name,
            is_closed=pair is None,
            opens_at=pair[0] if pair else None,
            closes_at=pair[1] if pair else None,
        )
        team_settings_changed(
            actor=actor, team=team, detail={"holiday_added": f"{day} {name}".strip()}
        )
    return holiday


def team_holiday_delete(*, actor: AgentProfile, team_id: Any, holiday_id: Any) -> None:
    supervisor_check(actor)
    with transaction.atomic():
        team = team_get_locked(team_id=team_id)
        holiday = team.special_days.filter(pk=row_id(holiday_id)).first()
        if holiday is None:
            raise errors.NotFound(_("No such holiday."))
        holiday.delete()
        team_settings_changed(actor=actor, team=team, detail={"holiday_deleted": str(holiday)})
