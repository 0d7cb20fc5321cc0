"""What each channel can carry, in one place.

A channel turns a customer's traffic into contacts, conversations and messages through
support's write paths (the widget through chat, WhatsApp and e-mail through their own apps),
and sends agents' replies back out from a listener on `message.created`. Rules (routing,
SLA, business hours, ratings, retention) never ask which channel a conversation came from;
only what a channel can carry differs, and that is decided here.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from .models import Conversation, Message

Channel = Conversation.Channel


@dataclass(frozen=True)
class ChannelCapabilities:
    attachments: bool
    # The customer's side reports "seen" (the widget's read marks, WhatsApp's read status).
    read_receipts: bool
    typing: bool
    # The greeting bot with its buttons (FAQ answers, topics, hand-off).
    bot: bool
    # The customer can press buttons on a line (the rating prompt's stars); without them the
    # rating prompt is a line with the rating page's link, which the channel carries.
    buttons: bool
    # How long after the customer's last message a free-form reply may still be sent (the
    # WhatsApp customer-service window); None: no limit.
    reply_window: timedelta | None


CAPABILITIES = {
    Channel.WIDGET: ChannelCapabilities(
        attachments=True,
        read_receipts=True,
        typing=True,
        bot=True,
        buttons=True,
        reply_window=None,
    ),
    Channel.WHATSAPP: ChannelCapabilities(
        attachments=True,
        read_receipts=True,
        typing=False,
        bot=False,
        buttons=False,
        reply_window=timedelta(hours=24),
    ),
    Channel.EMAIL: ChannelCapabilities(
        attachments=True,
        read_receipts=False,
        typing=False,
        bot=False,
        buttons=False,
        reply_window=None,
    ),
}


def channel_capabilities(channel: str) -> ChannelCapabilities:
    return CAPABILITIES[Channel(channel)]


def reply_window_open(conversation: Conversation, *, now: datetime | None = None) -> bool:
    """Whether a free-form reply may go out now: always on channels without a reply window,
    else within the window after the customer's last message (WhatsApp's 24 hours)."""
    window = channel_capabilities(conversation.channel).reply_window
    if window is None:
        return True
    last = (
        Message.objects.filter(
            conversation_id=conversation.pk, sender_type=Message.SenderType.VISITOR
        )
        .order_by("-id")
        .values_list("created_at", flat=True)
        .first()
    )
    return last is not None and (now or timezone.now()) - last < window
