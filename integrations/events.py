"""Domain events leaving the helpdesk as webhooks (integrations.listeners connects these to
support.events, in the emitting transaction: an outbox).

    events.webhook_event_record(event="message.created", object_id=message.pk)

Inside the service's transaction it records one WebhookDelivery per endpoint subscribed to
the event; the delivery tasks are enqueued on commit (a rolled-back change sends nothing),
or, without a broker, left to the in-process sweep: an attempt never runs inside the request
that made the change. The payload is built from the object once, at emit time, so every
endpoint and every retry gets the same snapshot.
"""

import uuid

from django.utils import timezone

from . import selectors, tasks
from .models import Event, WebhookDelivery

# Choices' `values` builds its list on every call (each message's event asks).
EVENTS = frozenset(Event.values)


def _data(event: str, object_id: int) -> dict:
    from . import serializers

    if event == Event.MESSAGE_CREATED:
        message = selectors.message_for_event(message_id=object_id)
        return {
            "message": serializers.MessageSerializer(message).data,
            "conversation": serializers.ConversationSerializer(message.conversation).data,
        }
    if event in (Event.CONVERSATION_CREATED, Event.CONVERSATION_RESOLVED):
        conversation = selectors.conversation_for_event(conversation_id=object_id)
        return {"conversation": serializers.ConversationSerializer(conversation).data}
    if event == Event.RATING_CREATED:
        rating = selectors.rating_for_event(rating_id=object_id)
        return {
            "rating": serializers.RatingSerializer(rating).data,
            "conversation": serializers.ConversationSerializer(rating.conversation).data,
        }
    if event == Event.CONTACT_UPDATED:
        contact = selectors.contact_for_event(contact_id=object_id)
        return {"contact": serializers.ContactSerializer(contact).data}
    raise ValueError(f"Unknown event {event!r}.")


def webhook_event_record(*, event: str, object_id: int) -> list[WebhookDelivery]:
    """Record and (after commit) send `event` about the object `object_id` to its
    subscribers."""
    if event not in EVENTS:
        raise ValueError(f"Unknown event {event!r}.")
    endpoints = [e for e in selectors.webhook_endpoints_active() if e.wants(event)]
    if not endpoints:
        return []
    event_id = uuid.uuid4()
    payload = {
        "id": str(event_id),
        "type": event,
        "created_at": timezone.now().isoformat(),
        "data": _data(event, object_id),
    }
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=endpoint, event_id=event_id, event=event, payload=payload)
        for endpoint in endpoints
    )
    tasks.webhook_deliver_on_commit([delivery.pk for delivery in deliveries])
    return deliveries
