"""What a visitor does: start a conversation, send a message (the bot may answer), rate."""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from chat import bot
from proactive import services as proactive_services
from ratings import services as rating_services
from support.models import Contact, Conversation, Message

from .. import automation, errors, ratelimits
from ..languages import contact_language
from .conversations import conversation_create
from .messages import (
    _clean_body,
    _clean_client_id,
    _message_retried,
    _message_send_in_transaction,
    message_send,
)


def conversation_start(
    *,
    contact: Contact,
    body: Any = None,
    client_id: Any = None,
    topic_slug: Any = None,
    priority_hint: Any = None,
    proactive_token: Any = None,
    rate_limit: bool = False,
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
    if client_id is not None:
        existing = (
            Message.objects.filter(conversation__contact=contact, client_id=client_id)
            .select_related("conversation")
            .first()
        )
        if existing is not None:
            _message_retried(
                existing=existing,
                sender_type=Message.SenderType.VISITOR,
                body=_clean_body(body),
                attachment_ids=[],
            )
            return existing.conversation, False
    if has_body and not _clean_body(body):
        raise errors.InvalidInput(_("The message is empty."), code="empty_message")
    if rate_limit:
        ratelimits.rate_limit_enforce(
            key=f"conversation-start:{contact.pk}",
            limit=settings.DESTEK["CONVERSATION_RATE_LIMIT"],
            window_seconds=settings.DESTEK["CONVERSATION_RATE_WINDOW_SECONDS"],
            detail=_("Too many new conversations; continue one you started or try again later."),
        )
    bot_enabled = contact.widget.bot_enabled
    with transaction.atomic():
        conversation = conversation_create(
            contact=contact,
            topic_slug=topic_slug,
            priority_hint=priority_hint,
            first_text=body if has_body else "",
            with_bot=bot_enabled and not topic_slug,
        )
        display = proactive_services.trigger_conversion_record(
            conversation=conversation, token=proactive_token
        )
        if display is not None:
            # The transcript starts with what the visitor answered.
            message_send(
                conversation=conversation,
                sender_type=Message.SenderType.BOT,
                body=display.trigger.message_for(contact_language(contact)),
            )
        with_bot = conversation.status == Conversation.Status.BOT
        if with_bot:
            bot.greet(conversation=conversation)
        if has_body:
            visitor_message_send(conversation=conversation, body=body, client_id=client_id)
        if bot_enabled and not with_bot:
            # Picked a topic up front: straight to a person, and the bot says what happens next.
            bot.announce_handoff(conversation=conversation, language=contact_language(contact))
    conversation.refresh_from_db()
    return conversation, True


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
    cleaned = bot.clean_action(action)
    if cleaned is not None and cleaned["type"] == "rating":
        return _visitor_rating_send(
            conversation=conversation,
            body=body,
            client_id=client_id,
            value=cleaned["value"],
            visitor_token=visitor_token,
        )
    with transaction.atomic():
        message, created = _message_send_in_transaction(
            conversation=conversation,
            sender_type=Message.SenderType.VISITOR,
            body=body,
            client_id=client_id,
            agent=None,
            actions=None,
            allow_resolved=False,
            attachments=attachments,
            visitor_token=visitor_token,
            pressed=cleaned is not None,
        )
        # message.conversation is the row message_send locked: its status is current.
        if created and message.conversation.status == Conversation.Status.BOT:
            bot.on_visitor_message(
                conversation=message.conversation,
                text=message.body,
                action=cleaned,
            )
        if created and message.conversation.status != Conversation.Status.BOT:
            # Out of hours (or nobody online): one auto-reply per closed period, by a task.
            automation.after_hours_reply_enqueue(
                conversation=message.conversation, message_id=message.pk
            )
    return message, created


def _visitor_rating_send(
    *, conversation: Conversation, body: Any, client_id: Any, value: str, visitor_token
) -> tuple[Message, bool]:
    """The visitor pressed a rating chip: their message, the rating and the bot's thanks."""
    if value not in {str(n) for n in range(1, 6)}:
        raise errors.InvalidInput(_("A rating is a score from 1 to 5."), code="invalid_score")
    with transaction.atomic():
        message, created = message_send(
            conversation=conversation,
            sender_type=Message.SenderType.VISITOR,
            body=body,
            client_id=client_id,
            allow_resolved=True,
            visitor_token=visitor_token,
            pressed=True,
        )
        if created:
            rating_services.rating_submit(conversation=message.conversation, score=int(value))
            message_send(
                conversation=message.conversation,
                sender_type=Message.SenderType.BOT,
                body=rating_services.rating_thanks_text(conversation=message.conversation),
            )
    return message, created
