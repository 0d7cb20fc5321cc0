"""Proactive messages follow the domain's events (support.events): a conversation started
from a proactive bubble records that trigger's conversion and opens with its message."""

from support import services as support_services
from support.events import Event, event_listen
from support.languages import contact_language
from support.models import Conversation

from . import services


def conversion_record(event: Event) -> None:
    """In the starting transaction, before the bot's greeting (order): the transcript starts
    with what the visitor answered. A stale or forged token is ignored."""
    if not event.data["proactive_token"]:
        return
    conversation = event.objects.get("conversation") or Conversation.objects.select_related(
        "contact"
    ).get(pk=event.data["conversation_id"])
    display = services.trigger_conversion_record(
        conversation=conversation, token=event.data["proactive_token"]
    )
    if display is not None:
        support_services.message_send(
            conversation=conversation,
            sender_type="bot",
            body=display.trigger.message_for(contact_language(conversation.contact)),
        )


def connect() -> None:
    event_listen("conversation.started", conversion_record, in_transaction=True, order=-10)
