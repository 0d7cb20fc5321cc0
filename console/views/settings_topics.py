"""Settings: topics and response targets (supervisors only).

Each POST calls one service (support.services.topics / configuration); a refusal renders the
same page with 400, the errors beside their fields and everything typed kept."""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from support import errors, selectors
from support.models import Priority
from support.selectors import configuration as settings_selectors
from support.services import configuration, topics

from .access import supervisor_required
from .settings import form_errors, settings_page_render

TOPIC_TEXT = (*topics.TOPIC_TEXT_FIELDS, "team", "default_priority", "order")
TOPIC_CHECKBOXES = ("allow_urgent", "is_active")
TARGET_UNIT_LABELS = [
    ("seconds", _("seconds")),
    ("minutes", _("minutes")),
    ("hours", _("hours")),
    ("days", _("days")),
]
NEW_TOPIC = {"default_priority": Priority.NORMAL, "order": "0", "is_active": True}


def _topic_values(request) -> dict:
    values = {name: request.POST.get(name, "") for name in TOPIC_TEXT}
    values.update({name: name in request.POST for name in TOPIC_CHECKBOXES})
    return values


def _topics_page(
    request, *, editing=None, values=None, problems=None, delete_problem="", status=200
):
    if values is None:
        values = NEW_TOPIC
        if editing is not None:
            values = {name: getattr(editing, name) for name in topics.TOPIC_FIELDS}
            values["team"] = editing.team_id or ""
    return settings_page_render(
        request,
        "console/settings_topics.html",
        section="topics",
        status=status,
        topics=settings_selectors.topic_list_for_settings(),
        teams=selectors.team_list(),
        priorities=Priority.choices,
        editing=editing,
        values=values,
        problems=problems,
        delete_problem=delete_problem,
    )


@require_http_methods(["GET", "POST"])
@supervisor_required
def topic_list(request):
    if request.method == "GET":
        return _topics_page(request)
    values = _topic_values(request)
    try:
        topics.topic_create(actor=request.agent, values=values)
    except errors.InvalidInput as error:
        return _topics_page(request, values=values, problems=form_errors(error), status=400)
    return redirect(reverse("console:settings_topics") + "?saved=topic")


@require_http_methods(["GET", "POST"])
@supervisor_required
def topic_edit(request, topic_id: int):
    topic = settings_selectors.topic_get_for_settings(topic_id=topic_id)
    if request.method == "GET":
        return _topics_page(request, editing=topic)
    values = _topic_values(request)
    try:
        topics.topic_update(actor=request.agent, topic_id=topic_id, values=values)
    except errors.InvalidInput as error:
        return _topics_page(
            request, editing=topic, values=values, problems=form_errors(error), status=400
        )
    return redirect(reverse("console:settings_topics") + "?saved=topic")


@require_POST
@supervisor_required
def topic_delete(request, topic_id: int):
    topic = settings_selectors.topic_get_for_settings(topic_id=topic_id)
    if request.POST.get("confirm") != "on":
        problem = gettext("Tick the box to confirm the deletion.")
        return _topics_page(request, editing=topic, delete_problem=problem, status=400)
    try:
        topics.topic_delete(actor=request.agent, topic_id=topic_id)
    except errors.Conflict as error:
        return _topics_page(request, editing=topic, delete_problem=error.detail, status=409)
    return redirect(reverse("console:settings_topics") + "?saved=deleted")


def _targets_page(request, *, values=None, problems=None, status=200):
    rows = []
    for priority, target in settings_selectors.response_targets_by_priority().items():
        if values is not None:
            typed = values[priority]
        else:
            first, first_unit = configuration.target_in_units(
                target.first_response_seconds if target else None
            )
            resolution, resolution_unit = configuration.target_in_units(
                target.resolution_seconds if target else None
            )
            typed = {
                "first": first,
                "first_unit": first_unit,
                "resolution": resolution,
                "resolution_unit": resolution_unit,
            }
        rows.append(
            {
                "priority": priority,
                "label": Priority(priority).label,
                "first_problem": (problems or {}).get(f"first-{priority}", ""),
                "resolution_problem": (problems or {}).get(f"resolution-{priority}", ""),
                **typed,
            }
        )
    return settings_page_render(
        request,
        "console/settings_targets.html",
        section="targets",
        status=status,
        rows=rows,
        units=TARGET_UNIT_LABELS,
        problems=problems,
    )


@require_http_methods(["GET", "POST"])
@supervisor_required
def response_targets(request):
    if request.method == "GET":
        return _targets_page(request)
    values = {
        priority: {
            key: request.POST.get(f"{key}-{priority}", "")
            for key in ("first", "first_unit", "resolution", "resolution_unit")
        }
        for priority in Priority.values
    }
    try:
        configuration.response_targets_set(actor=request.agent, targets=values)
    except errors.InvalidInput as error:
        return _targets_page(request, values=values, problems=form_errors(error), status=400)
    return redirect(reverse("console:settings_targets") + "?saved=targets")
