"""Canned replies: the agent's list and editor, and one filled in for a conversation."""

from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from support import canned, errors, selectors, services
from support.languages import contact_language

from .access import agent_required


@require_GET
@agent_required
def conversation_canned_render(request, conversation_id: int, canned_id: int):
    """A canned reply filled in for this conversation, in the visitor's language."""
    conversation = selectors.conversation_get_for_agent(
        profile=request.agent, conversation_id=conversation_id
    )
    try:
        reply = selectors.canned_response_get_for_agent(profile=request.agent, canned_id=canned_id)
    except errors.NotFound as error:
        return JsonResponse({"error": {"code": error.code, "detail": error.detail}}, status=404)
    language = contact_language(conversation.contact)
    text = canned.render(
        text=reply.body_for(language),
        variables=canned.variables_for(conversation=conversation, agent_profile=request.agent),
    )
    return JsonResponse({"id": reply.pk, "language": language, "text": text})


def _canned_page(request, *, editing=None, error=None, values=None, status=200):
    replies = selectors.canned_response_list_for_agent(profile=request.agent)
    for reply in replies:
        reply.can_manage = selectors.canned_response_can_manage(profile=request.agent, canned=reply)
    context = {
        "agent": request.agent,
        "replies": replies,
        "editing": editing,
        "error": error,
        "values": values or {},
        "teams": selectors.team_list() if request.agent.is_supervisor else [],
        "variables": canned.VARIABLE_NAMES,
    }
    return render(request, "console/canned.html", context, status=status)


def _canned_values(request) -> dict:
    return {
        key: request.POST.get(key, "")
        for key in ("title", "shortcut", "body_en", "body_tr", "team")
    }


@require_http_methods(["GET", "POST"])
@agent_required
def canned_list(request):
    """The agent's canned replies; a new one by POST (team ones for supervisors)."""
    if request.method == "GET":
        return _canned_page(request)
    values = _canned_values(request)
    try:
        services.canned_response_create(
            by=request.agent,
            title=values["title"],
            shortcut=values["shortcut"],
            body_en=values["body_en"],
            body_tr=values["body_tr"],
            team_id=values["team"] or None,
        )
    except errors.DomainError as error:
        return _canned_page(request, error=error.detail, values=values, status=error.status)
    return redirect("console:canned_list")


@require_http_methods(["GET", "POST"])
@agent_required
def canned_edit(request, canned_id: int):
    reply = selectors.canned_response_get_for_agent(profile=request.agent, canned_id=canned_id)
    if not selectors.canned_response_can_manage(profile=request.agent, canned=reply):
        return render(request, "console/not_found.html", status=404)
    if request.method == "GET":
        return _canned_page(request, editing=reply)
    values = _canned_values(request)
    try:
        if "delete" in request.POST:
            services.canned_response_delete(canned=reply, by=request.agent)
        else:
            services.canned_response_update(
                canned=reply,
                by=request.agent,
                title=values["title"],
                shortcut=values["shortcut"],
                body_en=values["body_en"],
                body_tr=values["body_tr"],
            )
    except errors.DomainError as error:
        return _canned_page(
            request, editing=reply, error=error.detail, values=values, status=error.status
        )
    return redirect(reverse("console:canned_list"))
