"""Internal notes and labels of a conversation."""

from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from support import errors, selectors, services

from .access import agent_required
from .conversations import composer_error, header_action


@require_POST
@agent_required
def conversation_note_create(request, conversation_id: int):
    conversation = selectors.conversation_get_for_agent(
        profile=request.agent, conversation_id=conversation_id
    )
    try:
        services.note_create(
            conversation=conversation, author=request.agent, body=request.POST.get("body", "")
        )
    except errors.DomainError as error:
        return composer_error(request, error)
    if request.htmx:
        # Like a reply, the note itself arrives over the console socket.
        return HttpResponse(status=204)
    return redirect("console:conversation", conversation_id=conversation.pk)


@header_action
def conversation_labels_change(request, conversation) -> None:
    if "add" in request.POST:
        services.conversation_label_add(conversation=conversation, label_id=request.POST["add"])
    else:
        services.conversation_label_remove(
            conversation=conversation, label_id=request.POST.get("remove", "")
        )
