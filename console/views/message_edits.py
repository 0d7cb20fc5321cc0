"""An agent edits or deletes their own message within the window (the service checks)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from support import errors, services

from .access import agent_required


def _message_response(request, message):
    return render(
        request,
        "console/_timeline.html",
        {"timeline": message, "conversation": message.conversation},
    )


def _error(error: errors.DomainError):
    return HttpResponse(error.detail, status=error.status, content_type="text/plain")


@require_POST
@agent_required
def message_edit(request, message_id: int):
    try:
        message = services.message_edit(
            profile=request.agent, message_id=message_id, body=request.POST.get("body", "")
        )
    except errors.DomainError as error:
        return _error(error)
    return _message_response(request, message)


@require_POST
@agent_required
def message_delete(request, message_id: int):
    try:
        message = services.message_delete(profile=request.agent, message_id=message_id)
    except errors.DomainError as error:
        return _error(error)
    return _message_response(request, message)
