"""Settings: teams, their members, business hours and holidays (supervisors only).

Each POST calls one service (support.services.teams / business_hours); a refusal renders the
same page with 400, the errors beside their fields and everything typed kept."""

from zoneinfo import available_timezones

from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from support import errors
from support.hours import opening_status_text, team_time_zone
from support.models import BusinessHoursInterval
from support.selectors import configuration as settings_selectors
from support.services import business_hours, teams

from .access import supervisor_required
from .settings import form_errors, settings_page_render

# Every zone name, for the time zone field's suggestions (computed once per process).
TIME_ZONES = sorted(available_timezones())
TEAM_FIELDS = ("name", "name_tr")


def _teams_page(request, *, values=None, problems=None, status=200):
    return settings_page_render(
        request,
        "console/settings_teams.html",
        section="teams",
        status=status,
        teams=settings_selectors.team_list_for_settings(),
        values=values or {},
        problems=problems,
    )


@require_http_methods(["GET", "POST"])
@supervisor_required
def team_list(request):
    if request.method == "GET":
        return _teams_page(request)
    values = {name: request.POST.get(name, "") for name in TEAM_FIELDS}
    try:
        team = teams.team_create(actor=request.agent, values=values)
    except errors.InvalidInput as error:
        return _teams_page(request, values=values, problems=form_errors(error), status=400)
    return redirect(reverse("console:settings_team", args=[team.pk]) + "?saved=team")


def _team_page(
    request,
    team_id: int,
    *,
    values=None,
    problems=None,
    member_problem="",
    delete_problem="",
    status=200,
):
    team = settings_selectors.team_get_for_settings(team_id=team_id)
    return settings_page_render(
        request,
        "console/settings_team.html",
        section="teams",
        status=status,
        team=team,
        members=settings_selectors.team_members(team=team),
        candidates=settings_selectors.agents_outside_team(team=team),
        values=values or {name: getattr(team, name) for name in TEAM_FIELDS},
        problems=problems,
        member_problem=member_problem,
        delete_problem=delete_problem,
    )


@require_http_methods(["GET", "POST"])
@supervisor_required
def team_detail(request, team_id: int):
    if request.method == "GET":
        return _team_page(request, team_id)
    values = {name: request.POST.get(name, "") for name in TEAM_FIELDS}
    try:
        teams.team_rename(actor=request.agent, team_id=team_id, values=values)
    except errors.InvalidInput as error:
        return _team_page(request, team_id, values=values, problems=form_errors(error), status=400)
    return redirect(reverse("console:settings_team", args=[team_id]) + "?saved=names")


@require_POST
@supervisor_required
def team_delete(request, team_id: int):
    if request.POST.get("confirm") != "on":
        problem = _("Tick the box to confirm the deletion.")
        return _team_page(request, team_id, delete_problem=problem, status=400)
    try:
        teams.team_delete(actor=request.agent, team_id=team_id)
    except errors.Conflict as error:
        return _team_page(request, team_id, delete_problem=error.detail, status=409)
    return redirect(reverse("console:settings_teams") + "?saved=deleted")


@require_POST
@supervisor_required
def team_member_add(request, team_id: int):
    try:
        teams.team_member_add(
            actor=request.agent, team_id=team_id, agent_id=request.POST.get("agent", "")
        )
    except errors.InvalidInput as error:
        return _team_page(request, team_id, member_problem=error.detail, status=400)
    return redirect(reverse("console:settings_team", args=[team_id]) + "?saved=members#members")


@require_POST
@supervisor_required
def team_member_remove(request, team_id: int, agent_id: int):
    try:
        teams.team_member_remove(actor=request.agent, team_id=team_id, agent_id=agent_id)
    except errors.InvalidInput as error:
        return _team_page(request, team_id, member_problem=error.detail, status=400)
    return redirect(reverse("console:settings_team", args=[team_id]) + "?saved=members#members")


def _hours_rows(saved: dict[int, list], typed: list[dict] | None, problems: dict) -> list[dict]:
    """A row per weekday with its slots: what was typed after a refusal, else what is saved
    (at least two slots a day: a lunch and a dinner shift)."""
    rows = []
    for weekday, label in BusinessHoursInterval.Weekday.choices:
        if typed is not None:
            slots = [item for item in typed if item["weekday"] == weekday]
        else:
            slots = [
                {"opens": f"{i.opens_at:%H:%M}", "closes": f"{i.closes_at:%H:%M}"}
                for i in saved[weekday]
            ]
        slots += [{"opens": "", "closes": ""} for _ in range(2 - len(slots))]
        for index, item in enumerate(slots):
            item.setdefault("slot", index)
            item["field"] = f"{weekday}-{item['slot']}"
            item["problem"] = problems.get(item["field"], "")
            # Shown as "next day": closing before opening runs past midnight.
            item["overnight"] = bool(item["closes"] and item["closes"] < item["opens"])
        rows.append({"weekday": weekday, "label": label, "slots": slots})
    return rows


def _hours_typed(request) -> list[dict]:
    typed = []
    for weekday in range(7):
        for slot in range(business_hours.MAX_INTERVALS_PER_DAY):
            opens = request.POST.get(f"opens-{weekday}-{slot}")
            closes = request.POST.get(f"closes-{weekday}-{slot}")
            if opens is None and closes is None:
                continue
            typed.append(
                {"weekday": weekday, "slot": slot, "opens": opens or "", "closes": closes or ""}
            )
    return typed


def _hours_page(
    request,
    team_id: int,
    *,
    typed=None,
    values=None,
    problems=None,
    holiday_problems=None,
    status=200,
):
    team = settings_selectors.team_get_for_settings(team_id=team_id)
    now = timezone.now()
    today = now.astimezone(team_time_zone(team)).date()
    values = values or {}
    saved = settings_selectors.team_hours_by_weekday(team=team)
    return settings_page_render(
        request,
        "console/settings_team_hours.html",
        section="teams",
        status=status,
        team=team,
        opening_status=opening_status_text(team=team, at=now),
        time_zones=TIME_ZONES,
        time_zone=values.get("time_zone", team.time_zone),
        messages=values.get(
            "messages",
            {name: getattr(team, name) for name in business_hours.OUT_OF_HOURS_FIELDS},
        ),
        always_open=values.get("always_open", not any(saved.values())),
        rows=_hours_rows(saved, typed, problems or {}),
        holidays=settings_selectors.team_holidays_from(team=team, first=today),
        holiday=values.get("holiday", {"closed": True}),
        today=today,
        problems=problems,
        holiday_problems=holiday_problems or {},
    )


@require_http_methods(["GET", "POST"])
@supervisor_required
def team_hours(request, team_id: int):
    if request.method == "GET":
        return _hours_page(request, team_id)
    typed = _hours_typed(request)
    always_open = request.POST.get("mode") == "always"
    time_zone = request.POST.get("time_zone", "")
    messages = {name: request.POST.get(name, "") for name in business_hours.OUT_OF_HOURS_FIELDS}
    try:
        business_hours.team_hours_set(
            actor=request.agent,
            team_id=team_id,
            time_zone=time_zone,
            always_open=always_open,
            intervals=typed,
            messages=messages,
        )
    except errors.InvalidInput as error:
        return _hours_page(
            request,
            team_id,
            typed=typed,
            values={"time_zone": time_zone, "always_open": always_open, "messages": messages},
            problems=form_errors(error),
            status=400,
        )
    return redirect(reverse("console:settings_team_hours", args=[team_id]) + "?saved=hours")


@require_POST
@supervisor_required
def team_holiday_add(request, team_id: int):
    values = {
        "date": request.POST.get("date", ""),
        "name": request.POST.get("name", ""),
        "closed": request.POST.get("closed") == "on",
        "opens": request.POST.get("opens", ""),
        "closes": request.POST.get("closes", ""),
    }
    try:
        business_hours.team_holiday_add(actor=request.agent, team_id=team_id, values=values)
    except errors.InvalidInput as error:
        return _hours_page(
            request,
            team_id,
            values={"holiday": values},
            holiday_problems=form_errors(error),
            status=400,
        )
    url = reverse("console:settings_team_hours", args=[team_id])
    return redirect(url + "?saved=holidays#holidays")


@require_POST
@supervisor_required
def team_holiday_delete(request, team_id: int, holiday_id: int):
    business_hours.team_holiday_delete(actor=request.agent, team_id=team_id, holiday_id=holiday_id)
    url = reverse("console:settings_team_hours", args=[team_id])
    return redirect(url + "?saved=holidays#holidays")
