"""The agent console: server-rendered pages and HTMX fragments. Thin: parse, check, call."""

import functools
from urllib.parse import urlencode

from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from chat import selectors as chat_selectors
from chat import services as chat_services
from chat.models import Message

from . import errors, selectors, services
from .models import Conversation


class ConsoleLoginView(auth_views.LoginView):
    template_name = "support/console/login.html"
    redirect_authenticated_user = True


class ConsoleLogoutView(auth_views.LogoutView):
    pass


def agent_required(view):
    """Logged-in users with an agent profile; others go to login or get a 403 page."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        profile = selectors.agent_profile_for_user(request.user)
        if profile is None:
            return render(request, "support/console/not_agent.html", status=403)
        request.agent = profile
        try:
            return view(request, *args, **kwargs)
        except errors.NotFound:
            return render(request, "support/console/not_found.html", status=404)

    return wrapper


def _inbox_filters(request) -> dict:
    view = request.GET.get("view", "mine")
    if view not in selectors.INBOX_VIEWS:
        view = "mine"
    status = request.GET.get("status", "active")
    priority = request.GET.get("priority", "")
    topic = request.GET.get("topic", "")[:64]
    return {
        "view": view,
        "status": status if status in selectors.INBOX_STATUSES else "active",
        "priority": priority if priority in Conversation.Priority.values else "",
        "topic": topic,
    }


def _inbox_context(request) -> dict:
    filters = _inbox_filters(request)
    return {
        "filters": filters,
        "inbox_query": urlencode({k: v for k, v in filters.items() if v}),
        "conversations": selectors.conversation_list_for_inbox(profile=request.agent, **filters),
        "counts": selectors.inbox_counts(profile=request.agent),
        "topics": selectors.topic_list_active(),
        "priorities": Conversation.Priority.choices,
        "statuses": Conversation.Status.choices,
        "agent": request.agent,
        "team_ids": selectors.agent_team_ids(profile=request.agent),
    }


@require_GET
@agent_required
def inbox(request):
    return render(request, "support/console/inbox.html", _inbox_context(request))


@require_GET
@agent_required
def inbox_counts(request):
    return render(
        request,
        "support/console/_inbox_counts.html",
        {"counts": selectors.inbox_counts(profile=request.agent), **_inbox_filters(request)},
    )


@require_POST
@agent_required
def presence_change(request):
    try:
        services.agent_set_presence(profile=request.agent, presence=request.POST.get("presence"))
    except errors.DomainError as error:
        return HttpResponseBadRequest(error.detail)
    return render(request, "support/console/_presence.html", {"agent": request.agent})


@require_GET
@agent_required
def conversation_detail(request, conversation_id: int):
    conversation = selectors.conversation_get_for_agent(
        profile=request.agent, conversation_id=conversation_id
    )
    # The newest page; older history stays in the database (and the transcript export).
    messages = chat_selectors.message_objects_latest(conversation=conversation, limit=500)
    if messages:
        # Opening the conversation is reading it.
        services.conversation_mark_read(
            conversation=conversation, side="agent", up_to=messages[-1].pk
        )
        conversation.unread_count = 0
    context = {
        **_inbox_context(request),
        "conversation": conversation,
        "messages": messages,
        "contact": conversation.contact,
        "agents": selectors.agent_list_for_assignment(),
        "teams": selectors.team_list(),
    }
    return render(request, "support/console/conversation.html", context)


@require_POST
@agent_required
def conversation_message_send(request, conversation_id: int):
    conversation = selectors.conversation_get_for_agent(
        profile=request.agent, conversation_id=conversation_id
    )
    try:
        chat_services.message_send(
            conversation=conversation,
            sender_type=Message.SenderType.AGENT,
            agent=request.user,
            body=request.POST.get("body", ""),
            client_id=request.POST.get("client_id") or None,
        )
    except errors.DomainError as error:
        return render(
            request,
            "support/console/composer_error.html",
            {"detail": error.detail},
            status=error.status if request.htmx else 400,
        )
    if request.htmx:
        # The message itself arrives over the console socket, like everyone else's.
        return HttpResponse(status=204)
    return redirect("console:conversation", conversation_id=conversation.pk)


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
                conversation=conversation, status=Conversation.Status.PENDING
            )
        else:
            return HttpResponseBadRequest("Unknown action.")
    except errors.DomainError as error:
        return render(
            request, "support/console/composer_error.html", {"detail": error.detail}, status=409
        )
    if request.htmx:
        conversation = selectors.conversation_get_for_agent(
            profile=request.agent, conversation_id=conversation_id
        )
        return render(
            request, "support/console/_conversation_header.html", {"conversation": conversation}
        )
    return redirect("console:conversation", conversation_id=conversation.pk)


def _header_response(request, conversation_id: int):
    if not request.htmx:
        return redirect("console:conversation", conversation_id=conversation_id)
    conversation = selectors.conversation_get_for_agent(
        profile=request.agent, conversation_id=conversation_id
    )
    return render(
        request, "support/console/_conversation_header.html", {"conversation": conversation}
    )


def _action_error(error: errors.DomainError):
    return HttpResponse(error.detail, status=error.status, content_type="text/plain")


@require_POST
@agent_required
def conversation_assign(request, conversation_id: int):
    conversation = selectors.conversation_get_for_agent(
        profile=request.agent, conversation_id=conversation_id
    )
    target = request.POST.get("to", "")
    try:
        if target == "":
            services.conversation_unassign(conversation=conversation, by_user=request.user)
        else:
            user = request.user if target == "me" else selectors.agent_user_get(user_id=target)
            services.conversation_assign(
                conversation=conversation, to_user=user, by_user=request.user
            )
    except errors.DomainError as error:
        return _action_error(error)
    return _header_response(request, conversation_id)


@require_POST
@agent_required
def conversation_transfer(request, conversation_id: int):
    conversation = selectors.conversation_get_for_agent(
        profile=request.agent, conversation_id=conversation_id
    )
    destination = request.POST.get("to", "")
    kind, _sep, value = destination.partition(":")
    try:
        services.conversation_transfer(
            conversation=conversation,
            by_user=request.user,
            topic_slug=value if kind == "topic" else "",
            team_id=value if kind == "team" and value.isdigit() else None,
        )
    except errors.DomainError as error:
        return _action_error(error)
    return _header_response(request, conversation_id)


@require_POST
@agent_required
def conversation_priority_change(request, conversation_id: int):
    conversation = selectors.conversation_get_for_agent(
        profile=request.agent, conversation_id=conversation_id
    )
    try:
        services.conversation_set_priority(
            conversation=conversation, priority=request.POST.get("priority")
        )
    except errors.DomainError as error:
        return _action_error(error)
    return _header_response(request, conversation_id)
