"""Webhooks listen to the domain's events (support.events) inside the emitting transaction:
the WebhookDelivery rows are an outbox written with the change, sent after commit (a
rolled-back change records and sends nothing)."""

from support.events import Event, event_listen

from . import events

# Domain event → the id in its data that names the webhook's object.
WEBHOOK_OBJECTS = {
    "message.created": "message_id",
    "conversation.created": "conversation_id",
    "conversation.resolved": "conversation_id",
    "rating.created": "rating_id",
    "contact.updated": "contact_id",
}


def webhook_event_record(event: Event) -> None:
    events.webhook_event_record(event=event.name, object_id=event.data[WEBHOOK_OBJECTS[event.name]])


def connect() -> None:
    for name in WEBHOOK_OBJECTS:
        event_listen(name, webhook_event_record, in_transaction=True)
