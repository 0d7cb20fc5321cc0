"""The agent console: server-rendered pages and HTMX fragments. Thin: parse, check, call."""

import functools
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chat import attachments as chat_attachments
from chat import protocol as chat_protocol
from chat import selectors as chat_selectors
from chat import services as chat_services
from chat import uploads as chat_uploads
from chat.models import Message

from . import (
    canned,
    charts,
    conversation_context,
    edge,
    errors,
    forms,
    languages,
    reports,
    retention,
    selectors,
    services,
)
from .device import device_facts
from .http import client_ip
from .languages import contact_language
from .models import AuditEvent, Conversation
from .report_tables import TABLE_NAMES, report_tables, table_csv

# Messages per page on the conversation screen; "Load earlier messages" fetches more.
CONVERSATION_PAGE_SIZE = 50


class ConsoleLoginView(auth_views.LoginView):
    template_name = "support/console/login.html"
    authentication_form = forms.ConsoleAuthenticationForm
    redirect_authenticated_user = True


class ConsoleLogoutView(auth_views.LogoutView):
    pass


def agent_required(view):
    """Logged-in users with an agent profile; others go to login or get a 403 page. Then the
    request's text is checked (support/edge.py): 400 for NUL in the query string or a form."""
    checked_view = edge.checked_page(view)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        profile = selectors.agent_profile_for_user(request.user)
        if profile is None:
            return render(request, "support/console/not_agent.html", status=403)
        request.agent = profile
        # The agent's own choice over the browser's (LocaleMiddleware's pick).
        language = languages.agent_language(profile=profile, browser=request.LANGUAGE_CODE)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            return checked_view(request, *args, **kwargs)
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
    label = request.GET.get("label", "")
    return {
        "view": view,
        "status": status if status in selectors.INBOX_STATUSES else "active",
        "priority": priority if priority in Conversation.Priority.values else "",
        "topic": topic,
        "label": int(label) if label.isdigit() else None,
    }


def _inbox_context(request, *, rows: bool = True) -> dict:
    """The inbox pane; without `rows`, its list arrives by a second request (lazy_rows)."""
    filters = _inbox_filters(request)
    return {
        "filters": filters,
        "inbox_query": urlencode({k: v for k, v in filters.items() if v}),
        "lazy_rows": not rows,
        "conversations": selectors.conversation_list_for_inbox(profile=request.agent, **filters)
        if rows
        else [],
        "counts": selectors.inbox_counts(profile=request.agent),
        "topics": selectors.topic_list_for_console(),
        "priorities": Conversation.Priority.choices,
        "statuses": Conversation.Status.choices,
        "labels": selectors.label_list(),
        "agent": request.agent,
        "team_ids": selectors.agent_team_ids(profile=request.agent),
    }


@require_GET
@agent_required
def inbox(request):
    if request.htmx and request.htmx.target == "inbox-list":
        # The rows alone, for the conversation page's inbox pane (see _conversation_context).
        filters = _inbox_filters(request)
        conversations = selectors.conversation_list_for_inbox(profile=request.agent, **filters)
        return render(request, "support/console/_inbox_rows.html", {"conversations": conversations})
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


@require_POST
@agent_required
def language_change(request):
    """The agent's console language (the form in the rail's profile menu), then back."""
    try:
        services.agent_set_language(profile=request.agent, language=request.POST.get("language"))
    except errors.DomainError as error:
        return HttpResponseBadRequest(error.detail)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("console:inbox")
    return redirect(back)


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
        contact_form = _contact_form_for(conversation.contact)
    return render(
        request,
        "support/console/conversation.html",
        _conversation_context(request, conversation, contact_form=contact_form),
    )


def _conversation_context(request, conversation, *, contact_form=None) -> dict:
    # The newest page; earlier ones load on demand (conversation_messages_earlier).
    messages, has_earlier = chat_selectors.message_objects_page(
        conversation=conversation, before=None, limit=CONVERSATION_PAGE_SIZE
    )
    if messages:
        # Opening the conversation is reading it; nothing to write when it was read already.
        if messages[-1].pk > conversation.agent_last_read_id:
            services.conversation_mark_read(
                conversation=conversation, side="agent", up_to=messages[-1].pk
            )
        conversation.unread_count = 0
    notes = selectors.note_list_for_conversation(
        conversation=conversation,
        # With earlier messages left out, the notes of that earlier time are left out too.
        since=messages[0].created_at if messages and has_earlier else None,
    )
    return {
        # The inbox pane's rows load right after the page: the conversation asked for shows
        # ~20 ms sooner (at 100k conversations, 50 rows are half of this page's time).
        **_inbox_context(request, rows=False),
        "conversation": conversation,
        "messages": messages,
        # Messages and internal notes in the order they were written.
        "timeline": sorted([*messages, *notes], key=lambda item: item.created_at),
        "last_note_id": max((note.pk for note in notes), default=0),
        "has_earlier": has_earlier,
        "agents": selectors.agent_list_for_assignment(),
        "teams": selectors.team_list(),
        "attachment_limits": {
            "max_bytes": settings.DESTEK["ATTACHMENT_MAX_BYTES"],
            "max_files": settings.DESTEK["ATTACHMENTS_PER_MESSAGE"],
        },
        "canned_replies": selectors.canned_response_menu_for_agent(profile=request.agent),
        **_contact_panel_context(request, conversation, contact_form=contact_form),
    }


def _contact_panel_context(request, conversation, *, contact_form=None) -> dict:
    contact = conversation.contact
    return {
        "contact": contact,
        "contact_form": contact_form,
        "contact_changes": selectors.contact_change_list(contact=contact),
        "contact_conversations": selectors.conversation_list_for_contact_panel(
            profile=request.agent, contact=contact
        ),
        "device": device_facts(contact.device),
        "context_cards_wanted": conversation_context.context_cards_wanted(contact=contact),
    }


def _contact_form_for(contact) -> forms.ContactForm:
    return forms.ContactForm(initial={"name": contact.name, "email": contact.email})


@require_http_methods(["GET", "POST"])
@agent_required
def contact_edit(request, conversation_id: int):
    """The contact's name and email in the panel: GET the details (`?edit=1`: the form),
    POST a correction. HTMX swaps #contact-details; without it, the page reloads."""
    conversation = selectors.conversation_get_for_agent(
        profile=request.agent, conversation_id=conversation_id
    )
    if request.method == "GET":
        if not request.htmx:
            url = reverse("console:conversation", args=[conversation.pk])
            return redirect(f"{url}?edit_contact=1" if request.GET.get("edit") else url)
        form = _contact_form_for(conversation.contact) if request.GET.get("edit") else None
        return _contact_details(request, conversation, form=form)
    form = forms.ContactForm(request.POST)
    if form.is_valid():
        try:
            conversation.contact = services.contact_update(
                contact=conversation.contact,
                by_user=request.user,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
    if form.errors:
        if request.htmx:
            # 200, so htmx swaps the form in with its errors shown next to the fields.
            return _contact_details(request, conversation, form=form)
        context = _conversation_context(request, conversation, contact_form=form)
        return render(request, "support/console/conversation.html", context, status=400)
    if request.htmx:
        return _contact_details(request, conversation, form=None)
    return redirect("console:conversation", conversation_id=conversation.pk)


def _contact_details(request, conversation, *, form):
    return render(
        request,
        "support/console/_contact_details.html",
        {
            "conversation": conversation,
            "contact": conversation.contact,
            "contact_form": form,
            "contact_changes": selectors.contact_change_list(contact=conversation.contact),
        },
    )


@require_GET
@agent_required
def conversation_messages_earlier(request, conversation_id: int):
    """The page of messages before `before` (a message id), for "Load earlier messages"."""
    conversation = selectors.conversation_get_for_agent(
        profile=request.agent, conversation_id=conversation_id
    )
    before = request.GET.get("before", "")
    if not before.isdigit():
        return HttpResponseBadRequest(_("before must be a message id."))
    messages, has_earlier = chat_selectors.message_objects_page(
        conversation=conversation, before=int(before), limit=CONVERSATION_PAGE_SIZE
    )
    notes = selectors.note_list_for_conversation(
        conversation=conversation,
        since=messages[0].created_at if messages and has_earlier else None,
        before_message=int(before),
    )
    return render(
        request,
        "support/console/_earlier_messages.html",
        {
            "conversation": conversation,
            "messages": messages,
            "timeline": sorted([*messages, *notes], key=lambda item: item.created_at),
            "has_earlier": has_earlier,
        },
    )


@require_POST
@agent_required
def conversation_message_send(request, conversation_id: int):
    # The hot path of every reply: message_send locks the row and checks that this agent may
    # see it, in one statement.
    conversation_id = selectors.conversation_id_clean(conversation_id)
    try:
        chat_services.message_send(
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
        return render(
            request,
            "support/console/composer_error.html",
            {"detail": error.detail},
            status=error.status if request.htmx else 400,
        )
    if request.htmx:
        # The message itself arrives over the console socket, like everyone else's.
        return HttpResponse(status=204)
    return redirect("console:conversation", conversation_id=conversation_id)


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
        return render(request, "support/console/not_found.html", status=404)
    response = redirect(url)
    response["Cache-Control"] = "private, no-store"
    return response


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
            conversation=conversation, priority=request.POST.get("priority"), by_user=request.user
        )
    except errors.DomainError as error:
        return _action_error(error)
    return _header_response(request, conversation_id)


@require_GET
@agent_required
def search(request):
    """Search messages and contacts of the conversations the agent may see."""
    form = forms.SearchForm(request.GET or None, choices=selectors.search_filter_choices())
    context = {"form": form, "agent": request.agent, "searched": False}
    if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
        query = form.cleaned_data["q"]
        before = form.cleaned_data.get("before")
        page = selectors.message_search(
            profile=request.agent, query=query, filters=form.search_filters(), before=before
        )
        context.update(
            searched=True,
            query=query,
            page=page,
            first_page=before is None,
            # Contacts and a conversation number only head the first page.
            contacts=[] if before else selectors.contact_search(profile=request.agent, query=query),
            numbered=None
            if before
            else selectors.conversation_search_by_number(profile=request.agent, query=query),
            about=[]
            if before
            else selectors.conversation_search_by_context(profile=request.agent, query=query),
            next_query=_next_page_query(request.GET, page.next_before),
        )
    return render(request, "support/console/search.html", context)


def _next_page_query(params, next_before: int | None) -> str:
    if next_before is None:
        return ""
    params = params.copy()
    params["before"] = str(next_before)
    return params.urlencode()


@require_GET
@agent_required
def privacy_overview(request):
    """Supervisors: retention policies, what the next sweep deletes, and the recent audit log."""
    if not request.agent.is_supervisor:
        return render(request, "support/console/supervisors_only.html", status=403)
    return render(
        request,
        "support/console/privacy.html",
        {
            "agent": request.agent,
            "policies": retention.retention_policies(),
            "due": retention.retention_purge(dry_run=True),
            "security": settings.DESTEK,
            "lockout_minutes": settings.DESTEK["LOGIN_LOCKOUT_SECONDS"] // 60,
            "events": selectors.audit_event_list_recent(limit=50),
        },
    )


def _report(request):
    """(form, report or None): the report the request asks for, as this person may see it."""
    form = forms.ReportFilterForm(request.GET or None, profile=request.agent)
    if form.is_bound and not form.is_valid():
        return form, None
    filter_kwargs = form.filter_kwargs() if form.is_bound else {}
    filters = reports.report_filters(profile=request.agent, **filter_kwargs)
    if not form.is_bound:
        # Show the range the report is for (the default one) in the date fields.
        form.initial.update(start=filters.start_date, end=filters.end_date)
    report = reports.report_build(filters=filters, language=request.LANGUAGE_CODE)
    return form, report


@require_GET
@agent_required
def report_page(request):
    """Supervisors: everyone's figures, with filters. Agents: their own figures."""
    form, report = _report(request)
    context = {"form": form, "report": report, "agent": request.agent}
    if report is None:
        return render(request, "support/console/reports.html", context, status=400)
    context.update(
        tables=report_tables(report),
        activity_chart=charts.activity_chart(report.activity["days"]),
        heatmap_chart=charts.heatmap_chart(report.heatmap),
        csat_chart=charts.distribution_chart(report.csat["distribution"]),
        query=request.GET.urlencode(),
    )
    return render(request, "support/console/reports.html", context)


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
        return render(
            request,
            "support/console/composer_error.html",
            {"detail": error.detail},
            status=error.status,
        )
    if request.htmx:
        # Like a reply, the note itself arrives over the console socket.
        return HttpResponse(status=204)
    return redirect("console:conversation", conversation_id=conversation.pk)


@require_GET
@agent_required
def report_csv(request, table: str):
    """One table of the report page as CSV, for the same filters (the page's query string)."""
    if table not in TABLE_NAMES:
        return render(request, "support/console/not_found.html", status=404)
    form, report = _report(request)
    if report is None:
        errors_text = "; ".join(str(e) for field in form.errors.values() for e in field)
        return HttpResponseBadRequest(errors_text, content_type="text/plain; charset=utf-8")
    tables = report_tables(report)
    if table not in tables:
        return render(request, "support/console/not_found.html", status=404)
    filters = report.filters
    response = HttpResponse(table_csv(tables[table]), content_type="text/csv; charset=utf-8")
    filename = f"destek-{table}-{filters.start_date}-{filters.end_date}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


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


@require_POST
@agent_required
def conversation_labels_change(request, conversation_id: int):
    conversation = selectors.conversation_get_for_agent(
        profile=request.agent, conversation_id=conversation_id
    )
    try:
        if "add" in request.POST:
            services.conversation_label_add(conversation=conversation, label_id=request.POST["add"])
        else:
            services.conversation_label_remove(
                conversation=conversation, label_id=request.POST.get("remove", "")
            )
    except errors.DomainError as error:
        return _action_error(error)
    return _header_response(request, conversation_id)


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
    return render(request, "support/console/canned.html", context, status=status)


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
        return render(request, "support/console/not_found.html", status=404)
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
