"""An agent's replies and the files sent with them; opening a conversation's files."""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from chat import attachments as chat_attachments
from chat import protocol as chat_protocol
from chat import selectors as chat_selectors
from chat import uploads as chat_uploads
from support import errors, selectors, services
from support.models import Conversation, Message

from .access import agent_required
from .conversations import composer_error


@require_POST
@agent_required
def conversation_message_send(request, conversation_id: int):
    # The hot path of every reply: message_send locks the row and checks that this agent may
    # see it, in one statement.
    conversation_id = selectors.conversation_id_clean(conversation_id)
    try:
        services.message_send(
            conversation=Conversation(pk=conversation_id),
            sender_type=Message.SenderType.AGENT,
            agent=request.user,
            body=request.POST.get("body", ""),
            client_id=request.POST.get("client_id") or None,
            attachments=request.POST.getlist("attachments"),
            visible_to=request.agent,
        )
    except errors.NotFound:
        raise  # the console's not-found page, as for any conversation it cannot show
    except errors.DomainError as error:
        return composer_error(request, error, status=error.status if request.htmx else 400)
    if request.htmx:
        # The message itself arrives over the console socket, like everyone else's.
        return HttpResponse(status=204)
    return redirect("console:conversation", conversation_id=conversation_id)


@require_POST
@agent_required
def message_delivery_retry(request, conversation_id: int, message_id: int):
    """Send again a message the channel (WhatsApp) could not deliver; the message's new
    state arrives over the console socket."""
    conversation = selectors.conversation_get_for_agent(
        profile=request.agent, conversation_id=conversation_id
    )
    message = selectors.message_get_in_conversation(
        conversation=conversation, message_id=message_id
    )
    try:
        services.message_delivery_retry(message=message)
    except errors.DomainError as error:
        return composer_error(request, error)
    return HttpResponse(status=204)


@require_POST
@agent_required
def conversation_attachment_upload(request, conversation_id: int):
    """The composer's upload (multipart `file`): the Attachment as JSON, sent with the reply
    that names its id. Errors are the widget protocol's JSON errors (400/413/415/429/503)."""
    conversation = selectors.conversation_get_for_agent(
        profile=request.agent, conversation_id=conversation_id
    )
    try:
        attachment = chat_attachments.attachment_upload(
            conversation=conversation,
            uploaded_file=chat_uploads.request_file(request),
            uploader_type="agent",
            agent=request.user,
        )
    except errors.DomainError as error:
        return JsonResponse(
            {"error": {"code": error.code, "detail": error.detail}},
            status=error.status,
            headers=error.http_headers,
        )
    return JsonResponse(chat_protocol.attachment_to_dict(attachment), status=201)


@require_GET
@agent_required
def attachment_open(request, attachment_id: int, variant: str):
    """A file of a conversation this agent may see: redirect to a fresh short-lived URL.

    Console pages link here rather than to signed URLs, so a page open for hours still opens
    its files, and every fetch is checked against the agent's access."""
    attachment = chat_selectors.attachment_get_for_agent(
        profile=request.agent, attachment_id=attachment_id
    )
    url = chat_selectors.attachment_signed_url(attachment=attachment, variant=variant)
    if url is None:
        return render(request, "console/not_found.html", status=404)
    response = redirect(url)
    response["Cache-Control"] = "private, no-store"
    return response
