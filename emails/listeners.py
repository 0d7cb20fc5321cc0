"""E-mails follow the domain's events (support.events), after commit: an agent's reply to a
visitor who is away, the transcript a visitor asked for when their conversation resolves; in
the transaction: an e-mail conversation's replies into the outbox, an agent's retry of one."""

from support.events import Event, event_listen
from support.models import Conversation, Message

from . import outbox, services

# Resolves that send the transcript a visitor asked for: by an agent, and for inactivity.
TRANSCRIPT_REASONS = ("resolved", "inactivity")


def reply_email(event: Event) -> None:
    if event.data["sender_type"] != Message.SenderType.AGENT:
        return
    message = event.objects.get("message") or (
        Message.objects.select_related("conversation__contact").get(pk=event.data["message_id"])
    )
    # E-mail conversations get every reply as a mail of their own (channel_reply).
    if message.conversation.channel == Conversation.Channel.EMAIL:
        return
    services.reply_email_enqueue(message=message)


def channel_reply(event: Event) -> None:
    """In the reply's transaction: the mail to send is recorded with it (emails.outbox)."""
    if event.data["sender_type"] not in (Message.SenderType.AGENT, Message.SenderType.BOT):
        return
    message = event.objects.get("message") or Message.objects.get(pk=event.data["message_id"])
    conversation = event.objects.get("conversation") or (
        Conversation.objects.get(pk=event.data["conversation_id"])
    )
    outbox.outbound_email_enqueue(message=message, conversation=conversation)


def channel_retry(event: Event) -> None:
    """In the retry's transaction: the failed reply is queued again (emails.outbox)."""
    if event.data["channel"] == Conversation.Channel.EMAIL:
        outbox.outbound_email_retry(message_id=event.data["message_id"])


def transcript_email(event: Event) -> None:
    if event.data["reason"] not in TRANSCRIPT_REASONS:
        return
    conversation = Conversation.objects.select_related("contact").get(
        pk=event.data["conversation_id"]
    )
    services.transcript_enqueue_if_requested(conversation=conversation)


def connect() -> None:
    event_listen("message.created", reply_email)
    event_listen("message.created", channel_reply, in_transaction=True)
    event_listen("message.delivery_retried", channel_retry, in_transaction=True)
    event_listen("conversation.resolved", transcript_email)
