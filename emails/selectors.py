"""Reads of the e-mail inbox: what became of each message's mail, a received mail for an
agent, the address a webhook secret opens."""

import hmac

from django.urls import reverse

from support import errors, selectors
from support.models import AgentProfile

from .models import InboundEmail, OutboundEmail, SupportAddress

# A reply's mail state from its message's delivery (support's, redrawn live): "sent" is as
# far as mail goes.
MAIL_STATUS = {"pending": "pending", "sent": "sent", "delivered": "sent", "failed": "failed"}


def mail_states(*, message_ids: list[int]) -> dict[int, dict]:
    """{message id: {direction, status, error, original_url}} for the messages of an e-mail
    conversation that came in or went out by mail (two queries, whatever the count). A reply's
    status is its message's delivery; its error the final one, or while Celery still tries,
    the last attempt's."""
    states = {}
    for message_id, delivery, final_error, status, error in OutboundEmail.objects.filter(
        message_id__in=message_ids
    ).values_list("message_id", "message__delivery", "message__delivery_error", "status", "error"):
        status = MAIL_STATUS.get(delivery, status)
        states[message_id] = {
            "direction": "out",
            "status": status,
            "error": (final_error or error) if status == "failed" else error,
        }
    for inbound_id, message_id in InboundEmail.objects.filter(
        message_id__in=message_ids
    ).values_list("pk", "message_id"):
        states[message_id] = {
            "direction": "in",
            "original_url": reverse("console:mail_original", args=[inbound_id]),
        }
    return states


def inbound_email_get_for_agent(*, profile: AgentProfile, inbound_id: int) -> InboundEmail:
    """A received mail whose conversation this agent may see; NotFound otherwise."""
    inbound = InboundEmail.objects.filter(pk=inbound_id, conversation__isnull=False).first()
    if inbound is None:
        raise errors.NotFound("No such e-mail.")
    selectors.conversation_get_for_agent(profile=profile, conversation_id=inbound.conversation_id)
    return inbound


def support_address_for_webhook(*, support_address_id: int, secret: str) -> SupportAddress | None:
    """The active address whose webhook secret this is; None for an unknown address, a wrong
    secret, or an address whose webhook is off (no secret set)."""
    address = SupportAddress.objects.filter(pk=support_address_id, is_active=True).first()
    if address is None or not address.webhook_secret:
        return None
    if not hmac.compare_digest(secret.encode(), address.webhook_secret.encode()):
        return None
    return address
