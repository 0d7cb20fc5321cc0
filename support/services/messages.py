"""Messages: every message, human or bot, goes through message_send."""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from support.models import AgentProfile, Conversation, Message

from .. import errors, sql
from .. import selectors as support_selectors
from ..channels import reply_window_open
from ..events import event_emit
from ..text import search_words
from . import attachments as attachment_services
from .conversations import READ_SIDES, conversation_record_message, message_person_fields

CLIENT_ID_MAX_CHARS = 64
# Changes to these conversation fields are worth a `conversation.updated` event.
PUBLISHED_CONVERSATION_FIELDS = {"status", "assignee", "first_response_at", "priority"}
# Choices' `values` builds its list on every call.
SENDER_TYPES = frozenset(Message.SenderType.values)


def _clean_client_id(client_id: Any) -> str | None:
    if client_id in (None, ""):
        return None
    if not isinstance(client_id, str) or len(client_id) > CLIENT_ID_MAX_CHARS:
        raise errors.InvalidInput(
            _("client_id must be a string of at most %(max)s characters.")
            % {"max": CLIENT_ID_MAX_CHARS},
            code="invalid_client_id",
        )
    return client_id


def body_length_check(body: str, *, too_long: str) -> None:
    """InvalidInput (`too_long`, with its %(max)s filled in) for a text longer than a message
    may be: messages and internal notes alike."""
    limit = settings.DESTEK["MESSAGE_MAX_CHARS"]
    if len(body) > limit:
        raise errors.InvalidInput(too_long % {"max": limit}, code="body_too_long")


def _clean_body(body: Any) -> str:
    if body is None:
        body = ""
    if not isinstance(body, str):
        raise errors.InvalidInput(_("body must be a string."), code="invalid_body")
    body_length_check(body, too_long=_("The message is longer than %(max)s characters."))
    if "\x00" in body:
        raise errors.InvalidInput(_("The message contains a NUL character."), code="invalid_body")
    return body.strip()


# What an inbox row shows besides the conversation itself, joined to the lock; topic, team
# and assignee come from per-process copies (support.selectors.conversation_inbox_relations_fill).
INBOX_ROW_RELATED = ("contact", "rating")


def _message_by_client_id(*, conversation: Conversation, client_id: str | None):
    if client_id is None:
        return None
    return (
        Message.objects.select_related("sender_agent__agent_profile")
        .filter(conversation=conversation, client_id=client_id)
        .first()
    )


def _message_retried(
    *, existing: Message, sender_type: str, body: str, attachment_ids: list[int]
) -> Message:
    """The first message of a retried send, when the retry is the same message: same sender,
    text and files. A client id names one message: anything else sent under it is refused
    (409 client_id_reused), never answered with the first one, which would let a client
    believe a new text was stored."""
    same = (
        existing.sender_type == sender_type
        and existing.body == body
        and sorted(existing.attachments.values_list("pk", flat=True)) == sorted(attachment_ids)
    )
    if not same:
        raise errors.ClientIdReused(
            _(
                "This client_id was already used for another message; "
                "send a new text with a new client_id."
            )
        )
    return existing


def _message_new(
    *, conversation_id: int, sender_type: str, agent, body: str, client_id, actions
) -> Message:
    return Message(
        conversation_id=conversation_id,
        sender_type=sender_type,
        sender_agent=agent,
        body=body,
        search_text=search_words(body),
        client_id=client_id,
        actions=actions,
        created_at=timezone.now(),
    )


def _message_insert(
    *, conversation: Conversation, sender_type: str, agent, body: str, client_id, actions
) -> Message | None:
    """Insert a message; None when this conversation already has one with this client_id.

    With a client_id, one statement (support.sql.message_insert_unless_known).
    """
    message = _message_new(
        conversation_id=conversation.pk,
        sender_type=sender_type,
        agent=agent,
        body=body,
        client_id=client_id,
        actions=actions,
    )
    message.conversation = conversation
    if client_id is None:
        message.save(force_insert=True)
        return message
    if not sql.message_insert_unless_known(message=message):
        return None
    return message


@dataclass(frozen=True, slots=True)
class MessageSend:
    """What one send asks for, as the caller gave it (message_send says what each means),
    carried through the steps of _message_send_in_transaction, which check it there.
    `action` (the visitor's button) and `visitor_turn` (a message the bot and the
    out-of-hours reply answer) only go to message.created."""

    sender_type: str
    body: Any
    client_id: Any = None
    agent: Any = None
    actions: list[dict] | None = None
    allow_resolved: bool = False
    attachments: Any = None
    visitor_token: str | None = None
    visible_to: AgentProfile | None = None
    pressed: bool = False
    outside_reply_window: bool = False
    action: dict | None = None
    visitor_turn: bool = False


def message_send(
    *,
    conversation: Conversation,
    sender_type: str,
    body: Any,
    client_id: Any = None,
    agent=None,
    actions: list[dict] | None = None,
    allow_resolved: bool = False,
    attachments: Any = None,
    visitor_token: str | None = None,
    visible_to: AgentProfile | None = None,
    pressed: bool = False,
    outside_reply_window: bool = False,
) -> tuple[Message, bool]:
    """Store a message (idempotent by client_id) and publish it after commit.

    Returns (message, created). A repeated client_id returns the first message unchanged.
    Only `conversation.pk` is read: the row is locked and re-read here.
    Visitors cannot write in a resolved conversation, except where the caller allows it
    (`allow_resolved`: the visitor pressing a rating chip after the resolve).
    `attachments`: ids of files the same sender uploaded into this conversation and has not
    sent yet (chat.attachments); a message with files may have an empty body.
    `visitor_token`: a visitor's socket sends its token, checked against the locked rows
    (NotAuthenticated or Forbidden when it no longer holds, and nothing is stored).
    `visible_to`: the replying agent's profile, from the console; a conversation the agent may
    not see is NotFound, checked by the lock.
    `pressed`: a visitor's press of a bot button, whose body is the button's label: the inbox
    keeps previewing what they wrote.
    `outside_reply_window`: an agent's message the channel may carry after its reply window
    closed (an approved WhatsApp template); other agent replies are then refused.
    """
    send = MessageSend(
        sender_type=sender_type,
        body=body,
        client_id=client_id,
        agent=agent,
        actions=actions,
        allow_resolved=allow_resolved,
        attachments=attachments,
        visitor_token=visitor_token,
        visible_to=visible_to,
        pressed=pressed,
        outside_reply_window=outside_reply_window,
    )
    with transaction.atomic():
        return _message_send_in_transaction(conversation=conversation, send=send)


def _message_content_clean(send: MessageSend) -> tuple[str | None, str, list[int]]:
    """The client id, the body and the attachment ids, checked: files only from visitors and
    agents, and never a message with neither text nor files."""
    client_id, body = _clean_client_id(send.client_id), _clean_body(send.body)
    attachment_ids = attachment_services.attachment_ids_clean(send.attachments)
    sender_type = send.sender_type
    if attachment_ids and sender_type not in (Message.SenderType.VISITOR, Message.SenderType.AGENT):
        raise errors.InvalidInput(_("Only visitors and agents send files."))
    if not body and not attachment_ids:
        raise errors.InvalidInput(_("The message is empty."), code="empty_message")
    return client_id, body, attachment_ids


def _message_send_in_transaction(
    *, conversation: Conversation, send: MessageSend
) -> tuple[Message, bool]:
    """message_send's work in the caller's transaction, without a savepoint of its own (for
    visitor_message_send, whose transaction holds the bot's answer too)."""
    sender_type = send.sender_type
    agent = _sender_agent(sender_type=sender_type, agent=send.agent)
    new = _person_message(conversation_id=conversation.pk, send=send, agent=agent)
    conversation = _conversation_lock(
        conversation_id=conversation.pk,
        visible_to=send.visible_to,
        visitor_token=send.visitor_token,
        message=new,
    )
    # Stored with the lock (a person's message: support.sql.message_insert_locked); every
    # check below still decides, and one that refuses rolls it back with the transaction.
    stored = new is not None and new.pk is not None
    client_id, body, attachment_ids = _message_content_allowed(conversation=conversation, send=send)
    support_selectors.conversation_inbox_relations_fill(conversation)
    retried = {"sender_type": sender_type, "body": body, "attachment_ids": attachment_ids}
    if (
        sender_type == Message.SenderType.VISITOR
        and conversation.is_resolved
        and not send.allow_resolved
    ):
        return _message_to_resolved(
            conversation=conversation, client_id=client_id, stored=stored, **retried
        )
    message = new if stored else None
    if new is None:
        message = _message_insert(
            conversation=conversation,
            sender_type=sender_type,
            agent=agent,
            body=body,
            client_id=client_id,
            actions=send.actions or [],
        )
    if message is None:
        # A retried send: the first message with this client_id, unchanged.
        existing = _message_by_client_id(conversation=conversation, client_id=client_id)
        return _message_retried(existing=existing, **retried), False
    changed = _message_files_and_record(
        message=message,
        conversation=conversation,
        attachment_ids=attachment_ids,
        agent=agent,
        pressed=send.pressed,
        stored=stored,
    )
    _message_created_emit(message=message, conversation=conversation, changed=changed, send=send)
    return message, True


def _sender_agent(*, sender_type: str, agent):
    """The agent who writes, for an agent's message (None for anyone else's)."""
    if sender_type not in SENDER_TYPES:
        raise errors.InvalidInput(f"Unknown sender type {sender_type!r}.")
    if sender_type == Message.SenderType.AGENT and agent is None:
        raise errors.InvalidInput(_("An agent message needs its agent."))
    return agent if sender_type == Message.SenderType.AGENT else None


def _message_content_allowed(*, conversation: Conversation, send: MessageSend) -> tuple:
    """(client_id, body, attachment_ids) cleaned, once this sender may write here."""
    sender_type = send.sender_type
    if sender_type == Message.SenderType.VISITOR and conversation.contact.blocked_by_id:
        # Refused quietly (support.services.blocks): nothing stored, nothing routed.
        raise errors.Blocked(_("Thanks, we got your message."))
    cleaned = _message_content_clean(send)
    if (
        sender_type == Message.SenderType.AGENT
        and not send.outside_reply_window
        and not reply_window_open(conversation)
    ):
        raise errors.Conflict(
            _(
                "The customer last wrote more than 24 hours ago: WhatsApp only lets you send "
                "an approved template now."
            ),
            code="reply_window_closed",
        )
    return cleaned


def _message_files_and_record(
    *, message, conversation, attachment_ids, agent, pressed: bool, stored: bool
) -> list[str]:
    """The message's files, then what it changes on its conversation (the fields changed)."""
    message.conversation = conversation
    attached = attachment_services.attachments_attach(
        message=message,
        attachment_ids=attachment_ids,
        uploader_type=message.sender_type,
        agent=agent,
    )
    attachment_services.attachments_known(message=message, attachments=attached)
    return conversation_record_message(
        conversation=conversation,
        message=message,
        preview="📎 " + ", ".join(a.name for a in attached) if attached else None,
        pressed=pressed,
        stored=stored,
    )


def _person_message(*, conversation_id: int, send: MessageSend, agent) -> Message | None:
    """The message a visitor or an agent writes, built before the lock so that one statement
    locks, inserts and updates (support.sql.message_insert_locked); None where the message
    takes the path of separate statements: bot and system lines, a visitor's button, files
    (checked and named in the preview after the insert), and input that will be refused (its
    error comes after the access checks, as for every other send)."""
    if send.sender_type not in READ_SIDES or send.pressed:
        return None
    try:
        client_id, body, attachment_ids = _message_content_clean(send)
    except errors.InvalidInput:
        return None
    if attachment_ids:
        return None
    return _message_new(
        conversation_id=conversation_id,
        sender_type=send.sender_type,
        agent=agent,
        body=body,
        client_id=client_id,
        actions=[],
    )


def _conversation_lock(
    *,
    conversation_id: int,
    visible_to: AgentProfile | None,
    visitor_token: str | None,
    message: Message | None = None,
) -> Conversation:
    """The row lock orders concurrent sends to one conversation and makes the status checks
    see the latest state. The inbox row's related rows come with it: the publish after commit
    renders from these objects, with no query of its own. The sender's right to write here is
    checked with it (an agent's visibility, a visitor's token), before their input is judged:
    who may not write learns nothing from the answer. `message`: a person's message, inserted
    by the same statement (support.sql.message_insert_locked)."""
    if message is None:
        conversation = support_selectors.conversation_lock_for_message(
            conversation_id=conversation_id, visible_to=visible_to
        )
    else:
        side, other = READ_SIDES[message.sender_type]
        conversation = sql.message_insert_locked(
            message=message,
            visible_to=visible_to,
            fields=lambda stored: message_person_fields(message=stored),
            side=side,
            other=other,
        )
    if visitor_token is not None:
        support_selectors.visitor_token_check_locked(token=visitor_token, conversation=conversation)
    return conversation


def _message_to_resolved(
    *,
    conversation: Conversation,
    client_id: str | None,
    sender_type: str,
    body: str,
    attachment_ids: list[int],
    stored: bool = False,
) -> tuple[Message, bool]:
    """A visitor writing into a resolved conversation: a retry of a message stored before the
    resolve gets it back; anything new is refused (`stored`: written with the lock, rolled
    back by the refusal)."""
    existing = None
    if not stored:
        existing = _message_by_client_id(conversation=conversation, client_id=client_id)
    if existing is not None:
        retried = _message_retried(
            existing=existing, sender_type=sender_type, body=body, attachment_ids=attachment_ids
        )
        return retried, False
    raise errors.Conflict(
        _("This conversation is resolved; reopen it or start a new one."),
        code="conversation_resolved",
    )


def _message_created_emit(
    *, message: Message, conversation: Conversation, changed: list[str], send: MessageSend
) -> None:
    """One event per message: its listeners publish the message, the inbox row and (when they
    changed) the status header and the agent's read mark, from the objects held here; the bot
    answers, webhooks record their deliveries, an away visitor gets the reply by e-mail.
    `changed`: the conversation's fields the message changed."""
    event_emit(
        "message.created",
        message_id=message.pk,
        conversation_id=conversation.pk,
        contact_id=conversation.contact_id,
        sender_type=message.sender_type,
        sender_agent_id=message.sender_agent_id,
        status=conversation.status,
        body=message.body,
        action=send.action,
        visitor_turn=send.visitor_turn,
        conversation_changed=bool(PUBLISHED_CONVERSATION_FIELDS.intersection(changed)),
        objects={"message": message, "conversation": conversation},
    )


def messages_erase_for_conversations(*, conversation_ids: list[int]) -> int:
    """Erasure (support.privacy): every message's text goes; rows, senders and times stay,
    so response times and volumes still add up. Returns how many messages had text."""
    return (
        Message.objects.filter(conversation_id__in=conversation_ids)
        .exclude(body="", search_text="")
        .update(body="", search_text="")
    )
