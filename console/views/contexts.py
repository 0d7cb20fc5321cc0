"""What the console's pages show, shared by the views that render them: the inbox pane, and
a conversation with its timeline and contact panel."""

from urllib.parse import urlencode

from django.conf import settings

from chat import selectors as chat_selectors
from support import selectors, services
from support.channels import reply_window_open
from support.device import device_facts
from support.models import Conversation

from .. import forms

# Messages per page on the conversation screen; "Load earlier messages" fetches more.
CONVERSATION_PAGE_SIZE = 50


def inbox_filters(request) -> dict:
    view = request.GET.get("view", "mine")
    if view not in selectors.INBOX_VIEWS:
        view = "mine"
    status = request.GET.get("status", "active")
    priority = request.GET.get("priority", "")
    topic = request.GET.get("topic", "")[:64]
    label = request.GET.get("label", "")
    channel = request.GET.get("channel", "")
    return {
        "view": view,
        "status": status if status in selectors.INBOX_STATUSES else "active",
        "priority": priority if priority in Conversation.Priority.values else "",
        "topic": topic,
        "label": int(label) if label.isdigit() else None,
        "channel": channel if channel in Conversation.Channel.values else "",
    }


def inbox_context(request, *, rows: bool = True) -> dict:
    """The inbox pane; without `rows`, its list arrives by a second request (lazy_rows)."""
    filters = inbox_filters(request)
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
        "channels": Conversation.Channel.choices,
        "agent": request.agent,
        "team_ids": selectors.agent_team_ids(profile=request.agent),
    }


def conversation_context(request, conversation, *, contact_form=None) -> dict:
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
        **inbox_context(request, rows=False),
        "conversation": conversation,
        # A channel with a reply window (WhatsApp) offers its templates once it closed.
        "reply_window_open": reply_window_open(conversation),
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
        **contact_panel_context(request, conversation, contact_form=contact_form),
    }


def contact_panel_context(request, conversation, *, contact_form=None) -> dict:
    contact = conversation.contact
    return {
        "contact": contact,
        "contact_form": contact_form,
        "contact_changes": selectors.contact_change_list(contact=contact),
        "contact_conversations": selectors.conversation_list_for_contact_panel(
            profile=request.agent, contact=contact
        ),
        "device": device_facts(contact.device),
    }


def contact_form_for(contact) -> forms.ContactForm:
    return forms.ContactForm(initial={"name": contact.name, "email": contact.email})
