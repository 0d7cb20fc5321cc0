"""Macros in the console: manage them (personal, and team ones for supervisors), list them
in a conversation, run one with a click."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from support import errors, selectors, services
from support.models import Conversation

from .access import agent_required, request_time_zone
from .conversations import header_action

# The form's fields, in run order: one optional choice per kind of action, then how it ends.
FORM_STEPS = ("reply", "label", "priority", "assign", "team")


def actions_from_form(data) -> list[dict]:
    actions = [
        {"type": kind, "value": data.get(f"step_{kind}", "")}
        for kind in FORM_STEPS
        if data.get(f"step_{kind}", "") not in ("", "none")
    ]
    finish = data.get("finish", "")
    if finish == "resolve":
        actions.append({"type": "resolve", "value": ""})
    elif finish.startswith("snooze:"):
        actions.append({"type": "snooze", "value": finish.partition(":")[2]})
    return actions


def form_values(macro) -> dict:
    values = {"name": macro.name, "finish": ""}
    for action in macro.actions:
        if action["type"] == "resolve":
            values["finish"] = "resolve"
        elif action["type"] == "snooze":
            values["finish"] = f"snooze:{action['value']}"
        else:
            values[f"step_{action['type']}"] = action["value"]
    return values


def _page(request, *, editing=None, values=None, error=None, status=200):
    macros = selectors.macro_list_for_agent(profile=request.agent)
    for macro in macros:
        macro.can_manage = selectors.macro_can_manage(profile=request.agent, macro=macro)
    return render(
        request,
        "console/macros.html",
        {
            "agent": request.agent,
            "macros": macros,
            "editing": editing,
            "values": values or {},
            "error": error,
            "canned_replies": selectors.canned_response_menu_for_agent(profile=request.agent),
            "labels": selectors.label_list(),
            "priorities": Conversation.Priority.choices,
            "agents": selectors.agent_list_for_assignment(),
            "teams": selectors.team_list(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@agent_required
def macro_list(request):
    if request.method == "GET":
        return _page(request)
    try:
        services.macro_create(
            by=request.agent,
            name=request.POST.get("name"),
            actions=actions_from_form(request.POST),
            team_id=request.POST.get("team") or None,
        )
    except errors.DomainError as error:
        return _page(request, values=request.POST, error=error.detail, status=error.status)
    return redirect("console:macro_list")


@require_http_methods(["GET", "POST"])
@agent_required
def macro_edit(request, macro_id: int):
    macro = selectors.macro_get_for_agent(profile=request.agent, macro_id=macro_id)
    if request.method == "GET":
        return _page(request, editing=macro, values=form_values(macro))
    try:
        if request.POST.get("delete"):
            services.macro_delete(by=request.agent, macro=macro)
        else:
            services.macro_update(
                by=request.agent,
                macro=macro,
                name=request.POST.get("name"),
                actions=actions_from_form(request.POST),
            )
    except errors.DomainError as error:
        return _page(
            request, editing=macro, values=request.POST, error=error.detail, status=error.status
        )
    return redirect("console:macro_list")


@require_GET
@agent_required
def conversation_macro_menu(request, conversation_id: int):
    """The header's macro menu, loaded when opened (the page itself needs no query for it)."""
    conversation = selectors.conversation_get_for_agent(
        profile=request.agent, conversation_id=conversation_id
    )
    return render(
        request,
        "console/_macro_menu.html",
        {
            "conversation": conversation,
            "macros": selectors.macro_list_for_agent(profile=request.agent),
        },
    )


@header_action
def conversation_macro_run(request, conversation, macro_id: int) -> None:
    # Inside the action: a macro the agent may not use is a 404 in plain text, like any refusal.
    macro = selectors.macro_get_for_agent(profile=request.agent, macro_id=macro_id)
    services.macro_run(
        profile=request.agent,
        macro=macro,
        conversation=conversation,
        time_zone=request_time_zone(request),
    )
