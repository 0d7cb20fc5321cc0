"""What a visitor does: start a conversation, send a message (the bot may answer), rate."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from support.models import Contact, Conversation, Message, Team

from .. import errors, ratelimits
from ..channels import channel_capabilities
from ..events import event_emit
from ..languages import contact_language
from .attributes import prechat_answers_clean, prechat_answers_store
from .conversations import conversation_create
from .messages import (
    MessageSend,
    _clean_body,
    _clean_client_id,
    _message_retried,
    _message_send_in_transaction,
)

# The buttons a visitor may press (the bot's replies and the rating prompt offer them).
ACTION_TYPES = ("topic", "faq", "handoff", "solved", "rating")


def conversation_start(
    *,
    contact: Contact,
    body: Any = None,
    client_id: Any = None,
    topic_slug: Any = None,
    priority_hint: Any = None,
    proactive_token: Any = None,
    rate_limit: bool = False,
    channel: str = Conversation.Channel.WIDGET,
    team: Team | None = None,
    prechat: Any = None,
) -> tuple[Conversation, bool]:
    """Start a conversation for a visitor, with its first message when given.

    `rate_limit`: a widget visitor's request, counted against
    DESTEK["CONVERSATION_RATE_LIMIT"] per contact (a retry with the first message's
    client_id is not a new conversation and is not counted); RateLimited past it.

    Retrying with the same first-message client_id returns the same conversation.
    `proactive_token` (from a proactive message's bubble) records the conversation as that
    trigger's conversion; a stale or forged one is ignored, the conversation starts anyway.

    `prechat`: the widget's pre-chat form answers ({field: text}), checked against the
    widget's questions for the topic (FormInvalid lists each problem; nothing is written);
    they land on the contact and in the conversation's attributes. Clients that show no
    form (older apps, other channels) send none and start as before.
    """
    if contact.blocked_by_id:
        # Refused quietly (support.services.blocks): no conversation, nothing routed.
        raise errors.Blocked(_("Thanks, we got your message."))
    client_id = _clean_client_id(client_id)
    retried = _conversation_retried(contact=contact, client_id=client_id, body=body)
    if retried is not None:
        return retried, False
    first_text, answers = _conversation_start_checked(
        contact=contact, body=body, rate_limit=rate_limit, topic_slug=topic_slug, prechat=prechat
    )
    conversation = _conversation_open(
        contact=contact,
        first_text=first_text,
        client_id=client_id,
        topic_slug=topic_slug,
        priority_hint=priority_hint,
        proactive_token=proactive_token,
        channel=channel,
        team=team,
        answers=answers,
    )
    conversation.refresh_from_db()
    return conversation, True


def _conversation_start_checked(
    *, contact: Contact, body: Any, rate_limit: bool, topic_slug: Any, prechat: Any
) -> tuple[str, tuple[dict, dict]]:
    """What a new conversation writes, checked before anything is: its first message's text
    ("" for none) and the pre-chat answers (prechat_answers_clean's, none without a form)."""
    # No body (or "") starts a conversation without a first message, e.g. from a topic button.
    has_body = body not in (None, "")
    if has_body and not _clean_body(body):
        raise errors.InvalidInput(_("The message is empty."), code="empty_message")
    if rate_limit:
        ratelimits.rate_limit_enforce_setting(
            key=f"conversation-start:{contact.pk}",
            setting="CONVERSATION",
            detail=_("Too many new conversations; continue one you started or try again later."),
        )
    answers = ({}, {})
    if prechat is not None:
        answers = prechat_answers_clean(contact=contact, topic_slug=topic_slug, answers=prechat)
    return (body if has_body else ""), answers


def _conversation_open(
    *,
    contact: Contact,
    first_text: str,
    client_id: str | None,
    topic_slug: Any,
    priority_hint: Any,
    proactive_token: Any,
    channel: str,
    team: Team | None,
    answers: tuple[dict, dict],
) -> Conversation:
    """conversation_start's writes, in one transaction: the pre-chat answers (for the contact,
    for the conversation), the conversation, its opening lines, the visitor's first message
    (`first_text`, when not ""), and the bot's word on a topic picked up front."""
    contact_answers, conversation_attributes = answers
    bot_enabled = contact.widget.bot_enabled and channel_capabilities(channel).bot
    with transaction.atomic():
        prechat_answers_store(contact=contact, changes=contact_answers)
        conversation = conversation_create(
            contact=contact,
            topic_slug=topic_slug,
            priority_hint=priority_hint,
            first_text=first_text,
            with_bot=bot_enabled and not topic_slug,
            channel=channel,
            team=team,
            attributes=conversation_attributes,
        )
        # Its opening lines are written by listeners, in this transaction: the proactive
        # message the visitor answered (proactive), then the bot's greeting (chat.bot).
        event_emit(
            "conversation.started",
            conversation_id=conversation.pk,
            contact_id=contact.pk,
            with_bot=conversation.status == Conversation.Status.BOT,
            proactive_token=proactive_token if isinstance(proactive_token, str) else None,
            objects={"conversation": conversation, "contact": contact},
        )
        with_bot = conversation.status == Conversation.Status.BOT
        if first_text:
            visitor_message_send(conversation=conversation, body=first_text, client_id=client_id)
        if bot_enabled and not with_bot:
            # Picked a topic up front: straight to a person, and the bot says what happens next.
            event_emit(
                "conversation.topic_picked",
                conversation_id=conversation.pk,
                language=contact_language(contact),
                objects={"conversation": conversation},
            )
    return conversation


def _conversation_retried(*, contact: Contact, client_id: str | None, body: Any):
    """The conversation a retried start made, found by its first message's client_id."""
    if client_id is None:
        return None
    existing = (
        Message.objects.filter(conversation__contact=contact, client_id=client_id)
        .select_related("conversation")
        .first()
    )
    if existing is None:
        return None
    _message_retried(
        existing=existing,
        sender_type=Message.SenderType.VISITOR,
        body=_clean_body(body),
        attachment_ids=[],
    )
    return existing.conversation


def visitor_message_send(
    *,
    conversation: Conversation,
    body: Any,
    client_id: Any = None,
    action: Any = None,
    attachments: Any = None,
    visitor_token: str | None = None,
    rate_limit: bool = False,
) -> tuple[Message, bool]:
    """A visitor's message; while the bot has the conversation, the bot answers it.

    `rate_limit`: sent by the widget (HTTP or socket), counted against
    DESTEK["MESSAGE_RATE_LIMIT"] per contact and conversation; RateLimited past it, and
    nothing is stored.

    `action` is the button the visitor pressed ({type, value}); the message body is its label,
    so the transcript shows what they chose. A rating chip ({type: "rating", value: "1".."5"})
    on a resolved conversation stores the message and the rating together, and the bot thanks
    the visitor; a refused rating (e.g. 409 already_rated) keeps neither.
    """
    if rate_limit:
        # Over HTTP and the socket alike: one budget per contact and conversation.
        ratelimits.rate_limit_enforce_setting(
            key=f"message-send:{conversation.contact_id}:{conversation.pk}",
            setting="MESSAGE",
            detail=_("Too many messages in a short time; wait a moment and send again."),
        )
    cleaned = clean_action(action)
    send = MessageSend(
        sender_type=Message.SenderType.VISITOR,
        body=body,
        client_id=client_id,
        allow_resolved=cleaned is not None and cleaned["type"] == "rating",
        attachments=attachments,
        visitor_token=visitor_token,
        pressed=cleaned is not None,
        action=cleaned,
        visitor_turn=True,
    )
    with transaction.atomic():
        # message.created's listeners answer in this transaction: the bot while the
        # conversation is the bot's, ratings for a rating chip (a refused rating, e.g. 409
        # already_rated, keeps neither the rating nor the message).
        return _message_send_in_transaction(conversation=conversation, send=send)


def clean_action(action) -> dict | None:
    """A visitor's button press as {type, value}, or None when absent or malformed."""
    if not isinstance(action, dict) or action.get("type") not in ACTION_TYPES:
        return None
    value = action.get("value")
    if value is not None and not isinstance(value, str | int):
        return None
    return {"type": action["type"], "value": str(value)[:64] if value is not None else ""}
