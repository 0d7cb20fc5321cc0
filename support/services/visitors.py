"""What a visitor does: start a conversation, send a message (the bot may answer), rate."""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from support.models import Contact, Conversation, Message

from .. import errors, ratelimits
from ..channels import channel_capabilities
from ..events import event_emit
from ..languages import contact_language
from .conversations import conversation_create
from .messages import (
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
    team=None,
) -> tuple[Conversation, bool]:
    """Start a conversation for a visitor, with its first message when given.

    `rate_limit`: a widget visitor's request, counted against
    DESTEK["CONVERSATION_RATE_LIMIT"] per contact (a retry with the first message's
    client_id is not a new conversation and is not counted); RateLimited past it.

    Retrying with the same first-message client_id returns the same conversation.
    `proactive_token` (from a proactive message's bubble) records the conversation as that
    trigger's conversion; a stale or forged one is ignored, the conversation starts anyway.
    """
    client_id = _clean_client_id(client_id)
    # No body (or "") starts a conversation without a first message, e.g. from a topic button.
    has_body = body not in (None, "")
    retried = _conversation_retried(contact=contact, client_id=client_id, body=body)
    if retried is not None:
        return retried, False
    if has_body and not _clean_body(body):
        raise errors.InvalidInput(_("The message is empty."), code="empty_message")
    if rate_limit:
        ratelimits.rate_limit_enforce(
            key=f"conversation-start:{contact.pk}",
            limit=settings.DESTEK["CONVERSATION_RATE_LIMIT"],
            window_seconds=settings.DESTEK["CONVERSATION_RATE_WINDOW_SECONDS"],
            detail=_("Too many new conversations; continue one you started or try again later."),
        )
    bot_enabled = contact.widget.bot_enabled and channel_capabilities(channel).bot
    with transaction.atomic():
        conversation = conversation_create(
            contact=contact,
            topic_slug=topic_slug,
            priority_hint=priority_hint,
            first_text=body if has_body else "",
            with_bot=bot_enabled and not topic_slug,
            channel=channel,
            team=team,
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
        if has_body:
            visitor_message_send(conversation=conversation, body=body, client_id=client_id)
        if bot_enabled and not with_bot:
            # Picked a topic up front: straight to a person, and the bot says what happens next.
            event_emit(
                "conversation.topic_picked",
                conversation_id=conversation.pk,
                language=contact_language(contact),
                objects={"conversation": conversation},
            )
    conversation.refresh_from_db()
    return conversation, True


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
        ratelimits.rate_limit_enforce(
            key=f"message-send:{conversation.contact_id}:{conversation.pk}",
            limit=settings.DESTEK["MESSAGE_RATE_LIMIT"],
            window_seconds=settings.DESTEK["MESSAGE_RATE_WINDOW_SECONDS"],
            detail=_("Too many messages in a short time; wait a moment and send again."),
        )
    cleaned = clean_action(action)
    with transaction.atomic():
        # message.created's listeners answer in this transaction: the bot while the
        # conversation is the bot's, ratings for a rating chip (a refused rating, e.g. 409
        # already_rated, keeps neither the rating nor the message).
        message, created = _message_send_in_transaction(
            conversation=conversation,
            sender_type=Message.SenderType.VISITOR,
            body=body,
            client_id=client_id,
            agent=None,
            actions=None,
            allow_resolved=cleaned is not None and cleaned["type"] == "rating",
            attachments=attachments,
            visitor_token=visitor_token,
            pressed=cleaned is not None,
            action=cleaned,
            visitor_turn=True,
        )
    return message, created


def clean_action(action) -> dict | None:
    """A visitor's button press as {type, value}, or None when absent or malformed."""
    if not isinstance(action, dict) or action.get("type") not in ACTION_TYPES:
        return None
    value = action.get("value")
    if value is not None and not isinstance(value, str | int):
        return None
    return {"type": action["type"], "value": str(value)[:64] if value is not None else ""}
