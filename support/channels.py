"""What each channel can carry, in one place.

A channel turns a customer's traffic into contacts, conversations and messages through
support's write paths (the widget through chat, WhatsApp and e-mail through their own apps),
and sends agents' replies back out from a listener on `message.created`. Rules (routing,
SLA, business hours, ratings, retention) never ask which channel a conversation came from;
only what a channel can carry differs, and that is decided here.
"""

from dataclasses import dataclass
from datetime import timedelta

from .models import Conversation

Channel = Conversation.Channel


@dataclass(frozen=True)
class ChannelCapabilities:
    attachments: bool
    # The customer's side reports "seen" (the widget's read marks, WhatsApp's read status).
    read_receipts: bool
    typing: bool
    # The greeting bot with its buttons (FAQ answers, topics, hand-off).
    bot: bool
    # How long after the customer's last message a free-form reply may still be sent (the
    # WhatsApp customer-service window); None: no limit.
    reply_window: timedelta | None


CAPABILITIES = {
    Channel.WIDGET: ChannelCapabilities(
        attachments=True, read_receipts=True, typing=True, bot=True, reply_window=None
    ),
    Channel.WHATSAPP: ChannelCapabilities(
        attachments=True,
        read_receipts=True,
        typing=False,
        bot=False,
        reply_window=timedelta(hours=24),
    ),
    Channel.EMAIL: ChannelCapabilities(
        attachments=True, read_receipts=False, typing=False, bot=False, reply_window=None
    ),
}


def channel_capabilities(channel: str) -> ChannelCapabilities:
    return CAPABILITIES[Channel(channel)]
