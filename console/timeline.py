"""What console/_timeline.html prints for messages (`timeline_items`, a view-model as
console.presenters' rows), and a new message's live fragments from pieces: the message and the
notification of a visitor's message, which go out with every message.
"""

import unicodedata
from functools import lru_cache

from django.conf import settings
from django.template.defaultfilters import linebreaksbr, truncatechars
from django.template.loader import render_to_string
from django.urls import get_resolver, get_script_prefix, get_urlconf
from django.utils import dateformat
from django.utils.formats import get_format
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, gettext

from emails import selectors as email_selectors
from support.models import Conversation, Message

from . import pieces, presenters


@lru_cache(maxsize=8)
def _message_texts(language: str | None) -> dict:
    return {
        "bot": gettext("Bot"),
        "seen": gettext("Seen"),
        "edited": gettext("edited"),
        "deleted": gettext("This message was deleted."),
        "edit": gettext("Edit"),
        "delete": gettext("Delete"),
        "delivery": {value: str(label) for value, label in Message.Delivery.choices},
        "retry": gettext("Retry"),
    }


def _message_values(message, conversation) -> tuple[dict, object]:
    """_message_item's values that are the same in every language, and the local time the
    message was written."""
    files = getattr(message, "attachment_list", None)  # chat.selectors.message_objects_page
    if files is None:
        files = list(message.attachments.all())
    created = template_localtime(message.created_at)
    sender_type = message.sender_type
    values = {
        "is_note": False,
        # A string: the template localizes a number it prints (~7 µs each).
        "id": str(message.pk),
        "sender_type": sender_type,
        "is_system": sender_type == "system",
        "is_agent": sender_type == "agent",
        # An agent's own client id: the composer knows a reply it could not confirm was stored.
        "client_id": message.client_id if sender_type == "agent" else None,
        "seen": sender_type == "agent" and message.pk <= conversation.visitor_last_read_id,
        # `date:"U"` then `date:"u"`: the order of messages and notes to the microsecond.
        "at": f"{int(created.timestamp())}{created.microsecond:06d}",
        "iso": created.isoformat(),
        "body": message.body,
        "files": files,
        "actions": message.actions,
        "edited": message.edited_at is not None,
        "deleted": message.deleted_at is not None,
        # Who may still change it, until when (console/message_edit.js shows the buttons to
        # that agent only; the service checks again).
        "author_id": message.sender_agent_id if sender_type == "agent" else "",
        "changeable_until": int(created.timestamp())
        + settings.DESTEK["MESSAGE_EDIT_WINDOW_SECONDS"]
        if sender_type == "agent" and message.deleted_at is None
        else "",
        # How far a channel that sends messages out (WhatsApp, e-mail) got: "" for the widget.
        "delivery": message.delivery,
        "delivery_error": message.delivery_error,
        "conversation_id": conversation.pk,
    }
    return values, created


def _message_texts_values(
    message, conversation, created, *, texts: dict, formats: tuple[str, str]
) -> dict:
    """_message_item's values in the active language."""
    sender_type = message.sender_type
    if sender_type == "agent":
        agent = message.sender_agent
        profile = getattr(agent, "agent_profile", None) if agent else None
        sender_name = (profile.name if profile else "") or (agent.get_username() if agent else "")
    elif sender_type == "bot":
        sender_name = texts["bot"]
    else:
        # An anonymous contact's name is a text ("Visitor #12").
        sender_name = conversation.contact.display_name
    datetime_format, clock_format = formats
    return {
        # date_format(created, "DATETIME_FORMAT") and time_format(created, "TIME_FORMAT"),
        # with the formats looked up once per timeline.
        "title": presenters.date_printed(dateformat.format, created, datetime_format),
        "time": presenters.date_printed(dateformat.time_format, created, clock_format),
        "sender_name": sender_name,
        "texts": texts,
        "delivery_label": texts["delivery"].get(message.delivery, ""),
    }


def _message_item(message, conversation, *, texts: dict, formats: tuple[str, str]) -> dict:
    values, created = _message_values(message, conversation)
    return {
        **values,
        **_message_texts_values(message, conversation, created, texts=texts, formats=formats),
    }


def timeline_items(timeline, conversation) -> list:
    """What console/_timeline.html prints for `timeline`, messages and notes of
    `conversation` in order (or one message alone, a live fragment): a dict per message,
    notes as they are.

    A thread page shows up to 50 messages: five date formats, the sender's name and the read
    mark cost ~0.3 ms a message when the template works them out, and an `{% include %}` per
    message ~10 µs more.
    """
    if isinstance(timeline, Message | dict):
        timeline = [timeline]
    texts = _message_texts(get_language())
    formats = (get_format("DATETIME_FORMAT"), get_format("TIME_FORMAT"))
    items = [
        # A dict is an item already (live_message_html's pieces).
        item
        if isinstance(item, dict) or item.is_note
        else _message_item(item, conversation, texts=texts, formats=formats)
        for item in timeline
    ]
    if conversation.channel == Conversation.Channel.EMAIL:
        # Whether each reply went out by mail (or why not), and each mail's original.
        states = email_selectors.mail_states(
            message_ids=[int(item["id"]) for item in items if isinstance(item, dict)]
        )
        for item in items:
            if isinstance(item, dict):
                item["mail"] = states.get(int(item["id"]))
    return items


# A live message (console/oob_message.html) from pieces as inbox rows are: each new message
# goes out in each console language. Files, buttons, a failed delivery's Retry and e-mail
# states are rare and print URLs and loops: those messages render the template.
_MESSAGE_SKIP = frozenset({"texts", "files", "actions"})
_MESSAGE_STRUCTURAL = frozenset({"delivery"})
_MESSAGE_PRINTERS = {"body": lambda body: linebreaksbr(body, autoescape=True)}


@lru_cache(maxsize=256)
def _message_pieces(shape: tuple) -> tuple[str, ...]:
    language, values = shape
    item = pieces.marked(values)
    item.update(texts=_message_texts(language), files=[], actions=[])
    context = {"message": item, "conversation": Conversation(channel=Conversation.Channel.WIDGET)}
    return pieces.split(render_to_string("console/oob_message.html", context))


def live_message_values(message: Message, conversation: Conversation) -> tuple | None:
    """What a live message fragment prints that is the same in every language (it goes out in
    each: read once), or None for a message whose fragment the template renders (an e-mail
    conversation's, one with files, buttons or a failed delivery)."""
    if conversation.channel == Conversation.Channel.EMAIL:
        return None
    values, created = _message_values(message, conversation)
    if values["files"] or values["actions"] or values["delivery"] == Message.Delivery.FAILED:
        return None
    return values, created


def live_message_html(message: Message, conversation: Conversation, values=None) -> str:
    """console/oob_message.html for one message, in this thread's language, safe HTML.
    `values`: live_message_values(message, conversation), when read once for every language."""
    if values is None:
        values = live_message_values(message, conversation)
    if values is None:
        return render_to_string(
            "console/oob_message.html", {"message": message, "conversation": conversation}
        )
    language_free, created = values
    language = get_language()
    formats = (get_format("DATETIME_FORMAT"), get_format("TIME_FORMAT"))
    item = {
        **language_free,
        **_message_texts_values(
            message, conversation, created, texts=_message_texts(language), formats=formats
        ),
    }
    shape = (
        language,
        pieces.value_shape(item, skip=_MESSAGE_SKIP, structural=_MESSAGE_STRUCTURAL),
    )
    return pieces.printed(
        pieces.pieces_for(_message_pieces, shape), item.__getitem__, _MESSAGE_PRINTERS
    )


# The notification of a visitor's message (console/oob_notify.html, kind "message") from pieces:
# it goes out with every visitor message. Its only text in a language is an anonymous
# contact's name ("Visitor #12"), a value.
@lru_cache(maxsize=8)
def _notify_pieces(script_prefix: str, resolver) -> tuple[str, ...]:
    marked = pieces.marked(
        (name, True) for name in ("id", "team", "assignee", "name", "text", "conversation")
    )
    conversation = {
        # A number for the template's {% url %}: marked once printed.
        "pk": presenters.ID_PLACEHOLDER,
        "team_id": marked["team"],
        "assignee_id": marked["assignee"],
        "contact": {"display_name": marked["name"]},
    }
    html = render_to_string(
        "console/oob_notify.html",
        {
            "kind": "message",
            "conversation": conversation,
            "message": {"pk": marked["id"], "body": marked["text"]},
        },
    )
    return pieces.split(html.replace(str(presenters.ID_PLACEHOLDER), marked["conversation"]))


def _notify_text(body: str) -> str:
    """truncatechars(body, 140), without its Truncator for a body that fits (most do): the
    filter returns the body normalized (NFC) when it counts no more characters than that."""
    text = unicodedata.normalize("NFC", body)
    return text if len(text) <= 140 else truncatechars(body, 140)


def live_notify_html(message: Message, conversation: Conversation) -> str:
    """console/oob_notify.html for a visitor's message, in this thread's language, safe HTML."""
    values = {
        "id": str(message.pk),
        "conversation": str(conversation.pk),
        "team": str(conversation.team_id or ""),
        "assignee": str(conversation.assignee_id or ""),
        "name": conversation.contact.display_name,
        "text": _notify_text(message.body),
    }
    notify = pieces.pieces_for(_notify_pieces, get_script_prefix(), get_resolver(get_urlconf()))
    return pieces.printed(notify, values.__getitem__)
