"""Reads of the e-mail inbox for the console: what became of each message's mail."""

from django.urls import reverse

from support import errors, selectors
from support.models import AgentProfile

from .models import InboundEmail, OutboundEmail


def mail_states(*, message_ids: list[int]) -> dict[int, dict]:
    """{message id: {direction, status, error, original_url}} for the messages of an e-mail
    conversation that came in or went out by mail (two queries, whatever the count)."""
    states = {}
    for message_id, status, error in OutboundEmail.objects.filter(
        message_id__in=message_ids
    ).values_list("message_id", "status", "error"):
        states[message_id] = {"direction": "out", "status": status, "error": error}
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
