"""Delivery of messages that a channel sends out (WhatsApp, e-mail): the state shown on the
message, and an agent's retry of a failed send. The channel's app does the sending."""

from django.db import transaction
from django.utils.translation import gettext as _

from .. import errors
from ..events import event_emit
from ..models import Message

Delivery = Message.Delivery


# Forward moves of a send; a failure can end any of them, and a failed message goes back to
# pending only for a retry (or on to sent when a late positive status arrives).
_FORWARD = [Delivery.PENDING, Delivery.SENT, Delivery.DELIVERED]


def _moves(current: str, new: str) -> bool:
    if current == new:
        return False
    if new == Delivery.FAILED or not current:
        return True
    if current == Delivery.FAILED:
        return True
    return new != Delivery.PENDING and _FORWARD.index(new) > _FORWARD.index(current)


def message_delivery_pending(*, message: Message) -> None:
    """A new message a channel will send: "Sending", stored in the message's own transaction.
    No event: the message itself is the news, and it shows its state."""
    Message.objects.filter(pk=message.pk).update(delivery=Delivery.PENDING)
    message.delivery = Delivery.PENDING


def message_delivery_set(*, message: Message, delivery: str, error: str = "") -> bool:
    """Record how far the channel got. A state never goes back (a late `sent` after
    `delivered`); a failure ends any state. Returns whether it changed."""
    if delivery not in Delivery.values:
        raise errors.InvalidInput(f"Unknown delivery state {delivery!r}.")
    with transaction.atomic():
        current = (
            Message.objects.select_for_update()
            .filter(pk=message.pk)
            .values_list("delivery", flat=True)
            .first()
        )
        if current is None or not _moves(current, delivery):
            return False
        error = error[:300] if delivery == Delivery.FAILED else ""
        Message.objects.filter(pk=message.pk).update(delivery=delivery, delivery_error=error)
        message.delivery, message.delivery_error = delivery, error
        event_emit(
            "message.delivery_changed",
            message_id=message.pk,
            conversation_id=message.conversation_id,
            delivery=delivery,
        )
    return True


def message_delivery_retry(*, message: Message) -> None:
    """An agent's retry of a failed send: back to pending, and the channel sends it again."""
    if message.delivery != Delivery.FAILED:
        raise errors.Conflict(_("Only a message that was not delivered can be sent again."))
    with transaction.atomic():
        message_delivery_set(message=message, delivery=Delivery.PENDING)
        event_emit(
            "message.delivery_retried",
            message_id=message.pk,
            conversation_id=message.conversation_id,
            channel=message.conversation.channel,
        )
