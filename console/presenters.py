"""The console's view-models: what a template would otherwise work out per row, done once.

The inbox shows 50 rows per page, and every chat message re-renders one (chat.realtime).
Written in the template, a row cost ~0.5 ms: ~60 variable look-ups (each a failed
`obj["name"]` before the attribute), two `get_*_display` (~40 µs each), a `{% url %}`
(~40 µs) and a dozen date and translation filters. `inbox_row` reads each value once into a
dict, the cheapest thing for the template engine to look into; the template still escapes
every value it prints. The template tags (console/templatetags/console.py) only hand these on.
"""

import hashlib
from functools import lru_cache

from django.template.defaultfilters import truncatechars
from django.template.loader import render_to_string
from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils import dateformat
from django.utils.formats import date_format, get_format, time_format
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, gettext

from support.models import Conversation
from support.services import status_actions

from . import pieces

STATUS_LABELS = dict(Conversation.Status.choices)
CHANNEL_LABELS = dict(Conversation.Channel.choices)
PRIORITY_LABELS = dict(Conversation.Priority.choices)

# Any id works: reverse() runs once per script prefix and URL resolver, then rows format
# strings. (A new resolver, after clear_url_caches(), is a new key.)
ID_PLACEHOLDER = 987654321


@lru_cache(maxsize=64)
def _conversation_url_parts(name: str, script_prefix: str, resolver) -> tuple[str, str]:
    url = reverse(name, args=[ID_PLACEHOLDER], urlconf=resolver.urlconf_name)
    head, tail = url.split(str(ID_PLACEHOLDER))
    return head, tail


def conversation_url(conversation_id: int, name: str = "console:conversation") -> str:
    """reverse(name, args=[conversation_id]) for a URL of one conversation, without its ~40 µs
    per call."""
    head, tail = _conversation_url_parts(name, get_script_prefix(), get_resolver(get_urlconf()))
    return f"{head}{conversation_id}{tail}"


@lru_cache(maxsize=8)
def _row_texts(language: str | None) -> dict:
    """The row's fixed texts in one language, looked up once: a lazy choice label costs a
    catalogue look-up each time it is printed, and `{% translate %}` ~10 µs a row."""
    return {
        "status": {value: str(label) for value, label in STATUS_LABELS.items()},
        "priority": {value: str(label) for value, label in PRIORITY_LABELS.items()},
        "channel": {value: str(label) for value, label in CHANNEL_LABELS.items()},
        "overdue": gettext("Overdue"),
        "response_target": gettext("Response target"),
        "unread": gettext("Unread messages"),
        "agent_reply": gettext("Reply:"),
        "order": gettext("Order"),
        "table": gettext("Table"),
        "select": gettext("Select for a bulk action"),
    }


def _unix(value) -> str:
    """The `date:"U"` filter: seconds since the epoch, "" for no time."""
    return str(int(value.timestamp())) if value else ""


# Date format specifiers finer than a minute (and the ones that print them): a format
# without them prints the same for every second of a minute.
_SUBMINUTE_SPECIFIERS = frozenset("sucrUB\\")


@lru_cache(maxsize=256)
def _minute_printed(formatter, local_minute, tzinfo, fold, language, format_string) -> str:
    minute = local_minute.replace(tzinfo=tzinfo, fold=fold)
    return formatter(minute, format_string)


def date_printed(formatter, local, format_string: str) -> str:
    """formatter(local, format_string) (dateformat.format or time_format), printed once per
    minute, language and format when the format prints nothing finer than the minute: a
    timeline's messages and an inbox's rows mostly share their minute with others, and a live
    message and row are printed in each language."""
    if _SUBMINUTE_SPECIFIERS.intersection(format_string):
        return formatter(local, format_string)
    minute = local.replace(second=0, microsecond=0, tzinfo=None)
    return _minute_printed(
        formatter, minute, local.tzinfo, local.fold, get_language(), format_string
    )


def inbox_row(conversation: Conversation) -> dict:
    """What console/_inbox_row.html prints for one conversation, in the active language.

    Reads only what the inbox selectors load (contact, topic, assignee's profile, rating,
    labels): no query when the conversation comes from them or from chat.services.
    """
    return {**inbox_row_values(conversation), **inbox_row_texts(conversation)}


def inbox_row_values(conversation: Conversation) -> dict:
    """inbox_row's values that are the same in every language (a live row goes out in each:
    these are read once)."""
    topic = conversation.topic
    labels = getattr(conversation, "label_list", None)
    if labels is None:
        labels = list(conversation.labels.all())
    # A missing reverse one-to-one raises RelatedObjectDoesNotExist, an AttributeError.
    rating = getattr(conversation, "rating", None)
    due_from, due_at = _row_due(conversation)
    last = conversation.last_message_at
    local_last = template_localtime(last) if last else None
    return {
        "id": conversation.pk,
        "url": conversation_url(conversation.pk),
        "status": conversation.status,
        "channel": conversation.channel,
        "priority": conversation.priority,
        "unread": getattr(conversation, "unread_count", conversation.agent_unread_count),
        "assignee_id": conversation.assignee_id or "",
        "assignee_name": _assignee_name(conversation.assignee),
        "team_id": conversation.team_id or "",
        "topic_slug": topic.slug if topic else "",
        "labels": labels,
        "label_ids": ",".join(str(label.pk) for label in labels),
        "breached": conversation.sla_breached,
        "last_unix": _unix(last),
        "queued_unix": _unix(conversation.queued_at),
        "due_from": due_from,
        "due_at": due_at,
        "last_iso": local_last.isoformat() if local_last else "",
        "preview": conversation.last_message_preview or "—",
        "preview_by_agent": conversation.last_message_preview_by_agent,
        "rating": rating.score if rating else None,
        # What the host page attached (Destek.setConversationContext).
        "order_ref": conversation.context_order_id,
        "table_ref": conversation.context_table,
    }


def inbox_row_texts(conversation: Conversation) -> dict:
    """inbox_row's values in the active language: labels, the contact's and topic's names,
    the time."""
    texts = _row_texts(get_language())
    topic = conversation.topic
    priority = conversation.priority
    last = conversation.last_message_at
    local_last = template_localtime(last) if last else None
    # An anonymous contact's name is a text too ("Visitor #12").
    name = conversation.contact.display_name
    return {
        "initial": name[:1].upper(),
        "name": name,
        "channel_label": texts["channel"].get(conversation.channel, conversation.channel),
        "status_label": texts["status"].get(conversation.status, conversation.status),
        # The normal priority has no pill.
        "priority_label": "" if priority == "normal" else texts["priority"].get(priority, priority),
        "topic_name": topic.local_name if topic else "",
        "last_time": date_printed(dateformat.time_format, local_last, get_format("TIME_FORMAT"))
        if local_last
        else "",
        "texts": texts,
    }


def _assignee_name(assignee) -> str:
    """The name the row shows for its assignee ("" for none)."""
    if assignee is None:
        return ""
    profile = getattr(assignee, "agent_profile", None)
    return (profile.name if profile else "") or assignee.get_username()


def _due(conversation: Conversation) -> tuple[str, object, object]:
    """The running SLA target a conversation counts down to, as (target, from, due):
    the first response while none was given, else the resolution; ("", None, None) for none
    and for a resolved conversation."""
    if conversation.status == Conversation.Status.RESOLVED:
        return "", None, None
    if not conversation.first_response_at and conversation.first_response_due_at:
        return "first_response", conversation.queued_at, conversation.first_response_due_at
    if conversation.resolution_due_at:
        return "resolution", conversation.created_at, conversation.resolution_due_at
    return "", None, None


def _row_due(conversation: Conversation) -> tuple[str, str]:
    """The running SLA target the row counts down to, as (from, due) Unix times ("" for none)."""
    _target, start, due = _due(conversation)
    return _unix(start), _unix(due)


# The header's forms post to these, each with the conversation's id.
_HEADER_URLS = {
    "labels_url": "console:conversation_labels_change",
    "status_url": "console:conversation_status_change",
    "assign_url": "console:conversation_assign",
    "snooze_url": "console:conversation_snooze",
    "macros_url": "console:conversation_macro_menu",
    "block_url": "console:conversation_block",
}


@lru_cache(maxsize=32)
def _header_url_parts(script_prefix: str, resolver) -> tuple[str, tuple]:
    """The inbox's URL, and each of the header's URLs as (key, head, tail) around the id."""
    inbox = reverse("console:inbox", urlconf=resolver.urlconf_name)
    parts = tuple(
        (key, *_conversation_url_parts(name, script_prefix, resolver))
        for key, name in _HEADER_URLS.items()
    )
    return inbox, parts


def conversation_header(conversation: Conversation) -> dict:
    """What console/_conversation_header.html prints for one conversation, in the active
    language and time zone (the page, the header's actions and the live header read it).

    Reads what the inbox row reads, plus the team and the contact's block and identity.
    The same header goes to every console, so it does not know the viewer: base.html's one
    rule hides "Assign to me" from the assignee.
    """
    texts = _row_texts(get_language())
    pk = conversation.pk
    contact = conversation.contact
    topic = conversation.topic
    team = conversation.team
    labels = getattr(conversation, "label_list", None)
    if labels is None:
        labels = list(conversation.labels.all())
    # A missing reverse one-to-one raises RelatedObjectDoesNotExist, an AttributeError.
    rating = getattr(conversation, "rating", None)
    snoozed_until = conversation.snoozed_until
    status = conversation.status
    priority = conversation.priority
    inbox_url, url_parts = _header_url_parts(get_script_prefix(), get_resolver(get_urlconf()))
    header = {
        "id": pk,
        "status": status,
        "status_label": texts["status"].get(status, status),
        "channel": conversation.channel,
        "channel_label": texts["channel"].get(conversation.channel, conversation.channel),
        "priority": priority,
        "priority_label": texts["priority"].get(priority, priority),
        "name": contact.display_name,
        "topic_name": topic.local_name if topic else "",
        "team_name": team.local_name if team else "",
        # What the host page attached (Destek.setConversationContext).
        "order_ref": conversation.context_order_id,
        "table_ref": conversation.context_table,
        "labels": [
            {"pk": label.pk, "name": label.name, "colour": label.colour} for label in labels
        ],
        "blocked": bool(contact.blocked_by_id),
        # Blocking the IP is offered for an anonymous contact whose address is known.
        "ip_blockable": not contact.identified and bool(contact.last_ip),
        "breached": conversation.sla_breached,
        "rating_score": rating.score if rating else None,
        "rating_stars": rating.stars if rating else "",
        "rating_comment": truncatechars(rating.comment, 120) if rating else "",
        **_header_sla_chip(conversation),
        "snoozed_until": date_format(template_localtime(snoozed_until), "SHORT_DATETIME_FORMAT")
        if snoozed_until
        else "",
        "assignee_id": conversation.assignee_id,
        "assignee_name": _assignee_name(conversation.assignee),
        **status_actions(status),
        "inbox_url": inbox_url,
        **{key: f"{head}{pk}{tail}" for key, head, tail in url_parts},
    }
    # What the page shows, in a few bytes: a console socket that starts watching the
    # conversation is sent the header only when it changed (console.realtime.watch_started).
    header["state"] = hashlib.blake2s(repr(header).encode(), digest_size=8).hexdigest()
    return header


def _header_sla_chip(conversation: Conversation) -> dict:
    """The SLA chip: "first_response" or "resolution" ("" for none), when it started and when
    it is due (Unix times), the due time for <time datetime> and as printed."""
    target, start, due = _due(conversation)
    local_due = template_localtime(due) if due else None
    if target == "first_response":
        due_when = time_format(local_due, "TIME_FORMAT")
    else:
        due_when = date_format(local_due, "SHORT_DATETIME_FORMAT") if local_due else ""
    return {
        "due": target,
        "due_from": _unix(start),
        "due_at": _unix(due),
        "due_iso": local_due.isoformat() if local_due else "",
        "due_when": due_when,
    }


# Values the template branches on by value (an icon per channel), not only on their presence.
_ROW_STRUCTURAL = frozenset({"channel"})
_ROW_SKIP = frozenset({"texts", "labels"})


@lru_cache(maxsize=512)
def _row_pieces(shape: tuple) -> tuple[str, ...]:
    language, values, label_count = shape
    row = pieces.marked(values)
    row["labels"] = pieces.marked_labels(label_count, ("name", "colour"))
    row["texts"] = _row_texts(language)
    return pieces.split(render_to_string("console/_inbox_row.html", {"row": row}))


def row_html(row: dict) -> str:
    """console/_inbox_row.html for `row` (inbox_row's values), safe HTML."""
    return pieces.labelled_html(
        _row_pieces, row, skip=_ROW_SKIP, structural=_ROW_STRUCTURAL, label_value=getattr
    )


def inbox_row_html(conversation: Conversation) -> str:
    """One conversation's inbox row (console/_inbox_row.html), safe HTML."""
    return row_html(inbox_row(conversation))


@lru_cache(maxsize=1)
def _oob_inbox_row_pieces() -> tuple[str, str]:
    html = render_to_string("console/oob_inbox_row.html", {"row": pieces.MARK})
    head, _mark, tail = html.partition(pieces.MARK)
    return head, tail


def live_inbox_row_html(conversation: Conversation, values: dict) -> str:
    """console/oob_inbox_row.html (the row put first in the inbox list) in this thread's
    language, safe HTML. `values`: inbox_row_values(conversation), read once for every
    language a live row goes out in."""
    head, tail = pieces.pieces_for(_oob_inbox_row_pieces)
    row = row_html({**values, **inbox_row_texts(conversation)})
    return mark_safe(f"{head}{row}{tail}")  # noqa: S308 - the template's text and a safe row


# The conversation header (console/oob_conversation_header.html) from pieces as inbox rows are:
# it goes out in each console language when a message changes the conversation (its first
# agent reply: status, assignee, first response) and on every header action.
_HEADER_SKIP = frozenset({"labels"})
# Values the template branches on by value, not only on their presence.
_HEADER_STRUCTURAL = frozenset({"channel", "due"})


@lru_cache(maxsize=512)
def _header_pieces(shape: tuple) -> tuple[str, ...]:
    _language, values, label_count = shape
    header = pieces.marked(values)
    header["labels"] = pieces.marked_labels(label_count, ("pk", "name", "colour"))
    return pieces.split(
        render_to_string("console/oob_conversation_header.html", {"header": header})
    )


def live_header_html(header: dict) -> str:
    """console/oob_conversation_header.html for `header` (conversation_header's values), in
    this thread's language, safe HTML."""
    return pieces.labelled_html(
        _header_pieces,
        header,
        skip=_HEADER_SKIP,
        structural=_HEADER_STRUCTURAL,
        label_value=dict.__getitem__,
    )
