"""Bulk actions on the inbox's selected rows: one form, one service call, a summary."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from support import errors, services

from .access import agent_required
from .conversations import snooze_until_from_form


def _back(request):
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    return redirect(target or "console:inbox")


@require_POST
@agent_required
def inbox_bulk(request):
    action = request.POST.get("action", "")
    value = request.POST.get(action, "") if action in ("assign", "team", "label") else ""
    try:
        until = snooze_until_from_form(request) if action == "snooze" else None
        result = services.conversations_bulk_act(
            profile=request.agent,
            conversation_ids=request.POST.getlist("ids"),
            action=action,
            value=value,
            until=until,
        )
    except errors.DomainError as error:
        messages.error(request, error.detail)
        return _back(request)
    if result.done:
        messages.success(
            request,
            ngettext(
                "Done for %(count)s conversation.",
                "Done for %(count)s conversations.",
                len(result.done),
            )
            % {"count": len(result.done)},
        )
    for conversation_id, why in result.refused:
        messages.warning(
            request,
            _("#%(id)s was left as it was: %(why)s") % {"id": conversation_id, "why": why},
        )
    return _back(request)
