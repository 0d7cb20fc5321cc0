"""WhatsApp follows the domain's events (support.events): agents' replies and the bot's lines
of WhatsApp conversations go out through the Cloud API; an agent's retry sends again."""

from django.db import transaction

from support.events import Event, event_listen
from support.models import Conversation, Message

from . import services, tasks

# What the customer should read on WhatsApp: people's replies and the bot's automatic lines
# (the after-hours reply, the rating prompt with its link). Lines built around buttons are not
# sent: WhatsApp has no way to press them. System lines stay in the console.
CARRIED_SENDERS = (Message.SenderType.AGENT, Message.SenderType.BOT)


def _enqueue(outbound_id: int) -> None:
    transaction.on_commit(lambda: tasks.whatsapp_send.delay(outbound_id), robust=True)


def message_out(event: Event) -> None:
    if event.data["sender_type"] not in CARRIED_SENDERS:
        return
    conversation = event.objects.get("conversation")
    if conversation is not None and conversation.channel != Conversation.Channel.WHATSAPP:
        return
    message = event.objects.get("message") or Message.objects.get(pk=event.data["message_id"])
    if message.sender_type == Message.SenderType.BOT and message.actions:
        return
    if (
        conversation is None
        and not Conversation.objects.filter(
            pk=message.conversation_id, channel=Conversation.Channel.WHATSAPP
        ).exists()
    ):
        return
    outbound = services.outbound_prepare(message=message)
    if outbound is not None:
        _enqueue(outbound.pk)


def message_retry(event: Event) -> None:
    if event.data["channel"] != Conversation.Channel.WHATSAPP:
        return
    outbound = services.outbound_reset(message_id=event.data["message_id"])
    if outbound is not None:
        _enqueue(outbound.pk)


def connect() -> None:
    # In the message's transaction: "Sending" is stored with the message, and the task is
    # enqueued only once it commits.
    event_listen("message.created", message_out, in_transaction=True, order=50)
    event_listen("message.delivery_retried", message_retry, in_transaction=True)
