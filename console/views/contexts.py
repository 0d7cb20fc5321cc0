"""What the console's pages show, shared by the views that render them: the inbox pane, and
a conversation with its timeline and contact panel."""

from urllib.parse import urlencode

from django.conf import settings

from chat import selectors as chat_selectors
from support import selectors, services
from support.channels import reply_window_open
from support.conversation_context import context_cards_wanted
from support.device import device_facts
from support.edge import row_id
from support.models import Conversation

from .. import forms, presenters

# Messages per page on the conversation screen; "Load earlier messages" fetches more.
CONVERSATION_PAGE_SIZE = 50


def attribute_filter(params) -> tuple:
    """((definition, value) or None, definition id, value) from `attr` and `attr_value`."""
    attr_id, value = params.get("attr", ""), params.get("attr_value", "").strip()[:200]
    definition_id = row_id(attr_id)
    # Read only for an id: the console socket parses its filters on the event loop.
    definition = (
        selectors.attribute_definition_get(definition_id=definition_id) if definition_id else None
    )
    if definition is None:
        return None, None, value
    return ((definition, value) if value else None), definition.pk, value


def attribute_rows(definitions, values: dict) -> list[dict]:
    """Each defined attribute with its stored value (None when unset), in their order."""
    return [{"definition": d, "value": values.get(d.key)} for d in definitions]


def inbox_selector_filters(filters: dict) -> dict:
    """The inbox filters as conversation_list_for_inbox takes them."""
    selected = {k: v for k, v in filters.items() if k not in ("attr", "attr_value")}
    definition = selectors.attribute_definition_get(definition_id=filters["attr"] or 0)
    if definition is not None and filters["attr_value"]:
        selected["attribute"] = (definition, filters["attr_value"])
    return selected


def inbox_filters(request) -> dict:
    return inbox_filters_from(request.GET)


def inbox_filters_from(params) -> dict:
    """The inbox's filters from its URL's query (or the console socket's `inbox` frame)."""
    view = params.get("view", "mine")
    if view not in selectors.INBOX_VIEWS:
        view = "mine"
    status = params.get("status", "active")
    priority = params.get("priority", "")
    topic = params.get("topic", "")[:64]
    label = params.get("label", "")
    channel = params.get("channel", "")
    _attribute, attr_id, attr_value = attribute_filter(params)
    return {
        "view": view,
        "status": status if status in selectors.INBOX_STATUSES else "active",
        "priority": priority if priority in Conversation.Priority.values else "",
        "topic": topic,
        "label": row_id(label),
        "channel": channel if channel in Conversation.Channel.values else "",
        "attr": attr_id,
        "attr_value": attr_value if attr_id else "",
    }


def inbox_context(request, *, rows: bool = True) -> dict:
    """The inbox pane; without `rows`, its list arrives by a second request (lazy_rows)."""
    filters = inbox_filters(request)
    return {
        "filters": filters,
        "inbox_query": urlencode({k: v for k, v in filters.items() if v}),
        "lazy_rows": not rows,
        "conversations": selectors.conversation_list_for_inbox(
            profile=request.agent, **inbox_selector_filters(filters)
        )
        if rows
        else [],
        "counts": selectors.inbox_counts(profile=request.agent),
        "topics": selectors.topic_list_for_console(),
        "priorities": Conversation.Priority.choices,
        "statuses": Conversation.Status.choices,
        "labels": selectors.label_list(),
        "attribute_definitions": selectors.attribute_definition_list(),
        # The bulk bar's choices (per-process copies: no query).
        "bulk_agents": selectors.agent_list_for_assignment(),
        "bulk_teams": selectors.team_list(),
        "channels": Conversation.Channel.choices,
        "agent": request.agent,
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
    inbox = inbox_context(request, rows=False)
    return {
        # The inbox pane's rows load right after the page: the conversation asked for shows
        # ~20 ms sooner (at 100k conversations, 50 rows are half of this page's time).
        **inbox,
        "conversation": conversation,
        "header": presenters.conversation_header(conversation),
        # A channel with a reply window (WhatsApp) offers its templates once it closed.
        "reply_window_open": reply_window_open(conversation),
        # Not "messages": that name is the messages framework's (the inbox pane's bulk summary).
        "thread_messages": messages,
        # Messages and internal notes in the order they were written.
        "timeline": sorted([*messages, *notes], key=lambda item: item.created_at),
        "last_note_id": max((note.pk for note in notes), default=0),
        "has_earlier": has_earlier,
        # The same lists as the inbox pane's bulk bar.
        "agents": inbox["bulk_agents"],
        "teams": inbox["bulk_teams"],
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
        **custom_attributes_context(conversation),
        # The host app's attributes without a definition, shown as they came.
        "free_attributes": {
            key: value
            for key, value in contact.attributes.items()
            if key not in selectors.attribute_definitions_by_key(scope="contact")
        },
        "context_cards_wanted": context_cards_wanted(contact=contact),
    }


def custom_attributes_context(conversation, *, typed=None, problems=None) -> dict:
    """What the panel's attributes block shows: each defined attribute with its value,
    what the agent typed (after an error) and its problem."""
    typed, problems = typed or {}, problems or {}
    rows = []
    for scope, values in (
        ("contact", conversation.contact.attributes),
        ("conversation", conversation.attributes),
    ):
        for row in attribute_rows(selectors.attribute_definition_list(scope=scope), values):
            name = f"{scope}-{row['definition'].key}"
            row.update(name=name, typed=typed.get(name), problem=problems.get(name))
            rows.append(row)
    return {"custom_attributes": rows, "attribute_problems": problems}


def contact_form_for(contact) -> forms.ContactForm:
    return forms.ContactForm(initial={"name": contact.name, "email": contact.email})
