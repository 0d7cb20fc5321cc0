"""A conversation: its page, earlier messages, and the header's actions (status, assignee,
team or topic, priority)."""

import functools
from datetime import datetime

from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from chat import selectors as chat_selectors
from support import errors, selectors, services
from support.edge import row_id
from support.http import client_ip
from support.models import AuditEvent, Conversation

from .. import presenters
from . import contexts
from .access import agent_required, request_time_zone
from .contexts import contact_form_for, conversation_context


@require_GET
@agent_required
def conversation_detail(request, conversation_id: int):
    conversation = selectors.conversation_get_for_agent(
        profile=request.agent, conversation_id=conversation_id, for_page=True
    )
    services.audit_record(
        actor=request.user,
        action=AuditEvent.Action.CONVERSATION_VIEWED,
        contact_id=conversation.contact_id,
        conversation_id=conversation.pk,
        ip_address=client_ip(request),
    )
    contact_form = None
    if request.GET.get("edit_contact"):
        contact_form = contact_form_for(conversation.contact)
    return render(
        request,
        "console/conversation.html",
        conversation_context(request, conversation, contact_form=contact_form),
    )


@require_GET
@agent_required
def conversation_messages_earlier(request, conversation_id: int):
    """The page of messages before `before` (a message id), for "Load earlier messages"."""
    conversation = selectors.conversation_get_for_agent(
        profile=request.agent, conversation_id=conversation_id
    )
    before = row_id(request.GET.get("before"))
    if before is None:
        return HttpResponseBadRequest(_("before must be a message id."))
    messages, has_earlier = chat_selectors.message_objects_page(
        conversation=conversation, before=before, limit=contexts.CONVERSATION_PAGE_SIZE
    )
    notes = selectors.note_list_for_conversation(
        conversation=conversation,
        since=messages[0].created_at if messages and has_earlier else None,
        before_message=int(before),
    )
    return render(
        request,
        "console/_earlier_messages.html",
        {
            "conversation": conversation,
            "thread_messages": messages,
            "timeline": sorted([*messages, *notes], key=lambda item: item.created_at),
            "has_earlier": has_earlier,
        },
    )


@require_POST
@agent_required
def conversation_status_change(request, conversation_id: int):
    conversation = selectors.conversation_get_for_agent(
        profile=request.agent, conversation_id=conversation_id
    )
    action = request.POST.get("action")
    try:
        if action == "resolve":
            services.conversation_resolve(conversation=conversation, agent=request.user)
        elif action == "reopen":
            services.conversation_reopen(conversation=conversation, by_agent=request.user)
        elif action == "pending":
            services.conversation_set_status(
                conversation=conversation, status=Conversation.Status.PENDING, by_user=request.user
            )
        else:
            return HttpResponseBadRequest(_("Unknown action."))
    except errors.DomainError as error:
        return composer_error(request, error, status=409)
    return header_response(request, conversation_id)


def header_response(request, conversation_id: int):
    """The conversation's header after one of its actions, for htmx to swap in (the page
    without htmx)."""
    if not request.htmx:
        return redirect("console:conversation", conversation_id=conversation_id)
    conversation = selectors.conversation_get_for_agent(
        profile=request.agent, conversation_id=conversation_id
    )
    return render(
        request,
        "console/_conversation_header.html",
        {"header": presenters.conversation_header(conversation)},
    )


def action_error(error: errors.DomainError):
    return HttpResponse(error.detail, status=error.status, content_type="text/plain")


def composer_error(request, error: errors.DomainError, *, status: int | None = None):
    """A refused reply, note or action, shown above the composer."""
    return render(
        request,
        "console/composer_error.html",
        {"detail": error.detail},
        status=status or error.status,
    )


def header_action(perform):
    """A header action view: the conversation the agent may see, `perform(request,
    conversation, **url_kwargs)` (one service call), then the refreshed header, or the domain
    error as plain text."""

    @require_POST
    @agent_required
    @functools.wraps(perform)
    def view(request, conversation_id: int, **url_kwargs):
        conversation = selectors.conversation_get_for_agent(
            profile=request.agent, conversation_id=conversation_id
        )
        try:
            perform(request, conversation, **url_kwargs)
        except errors.DomainError as error:
            return action_error(error)
        return header_response(request, conversation_id)

    return view


@header_action
def conversation_assign(request, conversation) -> None:
    target = request.POST.get("to", "")
    if target == "":
        services.conversation_unassign(conversation=conversation, by_user=request.user)
    else:
        user = request.user if target == "me" else selectors.agent_user_get(user_id=target)
        services.conversation_assign(conversation=conversation, to_user=user, by_user=request.user)


@header_action
def conversation_transfer(request, conversation) -> None:
    kind, _sep, value = request.POST.get("to", "").partition(":")
    services.conversation_transfer(
        conversation=conversation,
        by_user=request.user,
        topic_slug=value if kind == "topic" else "",
        team_id=row_id(value) if kind == "team" else None,
    )


@header_action
def conversation_priority_change(request, conversation) -> None:
    services.conversation_set_priority(
        conversation=conversation, priority=request.POST.get("priority"), by_user=request.user
    )


def snooze_until_from_form(request) -> datetime | None:
    """The snooze end the request's form chose: a quick choice (`snooze`) or a time
    (`snooze_at`, datetime-local), both on the agent's clock; InvalidInput for anything else."""
    data = request.POST
    time_zone = request_time_zone(request)
    choice = data.get("snooze", "")
    presets = services.snooze_presets(time_zone=time_zone)
    if choice in presets:
        return presets[choice]
    if choice == "at":
        try:
            when = datetime.fromisoformat(data.get("snooze_at", ""))
        except ValueError:
            raise errors.InvalidInput(_("Choose when the conversation should come back.")) from None
        return services.snooze_until_clean(until=when, time_zone=time_zone)
    raise errors.InvalidInput(_("Choose when the conversation should come back."))


@header_action
def conversation_snooze(request, conversation) -> None:
    if request.POST.get("snooze") == "wake":
        services.conversation_wake(
            conversation=conversation, by_user=request.user, reason="unsnoozed"
        )
    else:
        services.conversation_snooze(
            conversation=conversation,
            by_user=request.user,
            until=snooze_until_from_form(request),
        )
