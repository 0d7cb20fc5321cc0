"""Blocking spam: an agent blocks a conversation's contact (and, for an anonymous visitor,
their IP address); their messages are then refused quietly; a supervisor lifts the block.

The standing block is written on the contact (`Contact.blocked_by`), which the message path
already reads with the conversation's row lock: blocking costs the message path nothing.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import errors
from ..edge import row_id
from ..events import event_emit
from ..models import AgentProfile, AuditEvent, Contact, ContactBlock, Conversation
from .audit import audit_record

BLOCK_NOTE_MAX_CHARS = 500


def contact_block(
    *,
    conversation: Conversation,
    by_user,
    reason: Any,
    note: Any = "",
    include_ip: bool = False,
) -> ContactBlock:
    """Block the conversation's contact; `include_ip` also blocks new anonymous sessions from
    the contact's latest address (a visitor who clears their browser comes back blocked)."""
    if reason not in ContactBlock.Reason.values:
        raise errors.InvalidInput(_("Choose why you block this contact."), code="invalid_reason")
    if not isinstance(note, str) or len(note) > BLOCK_NOTE_MAX_CHARS:
        raise errors.InvalidInput(
            _("The note can be at most %(count)s characters.") % {"count": BLOCK_NOTE_MAX_CHARS}
        )
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=conversation.contact_id)
        if include_ip and not contact.last_ip:
            raise errors.InvalidInput(
                _("This visitor's address is not known; block the contact only."),
                code="no_ip_address",
            )
        if contact.blocked_by_id is not None and not include_ip:
            return ContactBlock.objects.get(pk=contact.blocked_by_id)
        block = ContactBlock.objects.create(
            widget_id=contact.widget_id,
            contact=contact,
            ip_address=contact.last_ip if include_ip else None,
            conversation_ref=conversation.pk,
            reason=reason,
            note=note.strip(),
            blocked_by=by_user,
        )
        contact.blocked_by = block
        contact.save(update_fields=["blocked_by"])
        audit_record(
            actor=by_user,
            action=AuditEvent.Action.CONTACT_BLOCKED,
            contact_id=contact.pk,
            conversation_id=conversation.pk,
            detail={"block": block.pk, "reason": reason, "ip": bool(block.ip_address)},
        )
        event_emit("contact.updated", contact_id=contact.pk)
    return block


def block_lift(*, block_id: Any, by_profile: AgentProfile) -> ContactBlock:
    """A supervisor lifts a block: its contacts may write again. Lifting twice changes nothing."""
    if not by_profile.is_supervisor:
        raise errors.Forbidden(_("Only a supervisor can lift a block."))
    block_id = row_id(block_id)
    if block_id is None:
        raise errors.NotFound(_("No such block."))
    with transaction.atomic():
        block = ContactBlock.objects.select_for_update().filter(pk=block_id).first()
        if block is None:
            raise errors.NotFound(_("No such block."))
        if block.lifted_at is not None:
            return block
        block.lifted_at = timezone.now()
        block.lifted_by = by_profile.user
        block.save(update_fields=["lifted_at", "lifted_by"])
        contact_ids = list(block.blocked_contacts.values_list("pk", flat=True))
        Contact.objects.filter(pk__in=contact_ids).update(blocked_by=None)
        audit_record(
            actor=by_profile.user,
            action=AuditEvent.Action.CONTACT_UNBLOCKED,
            contact_id=block.contact_id,
            conversation_id=block.conversation_ref,
            detail={"block": block.pk, "contacts": contact_ids},
        )
        for contact_id in contact_ids:
            event_emit("contact.updated", contact_id=contact_id)
    return block


def contact_block_by_address(*, contact: Contact, ip_address: str | None) -> None:
    """A new anonymous session from a blocked address: its contact is blocked by that block
    (the caller saves the contact)."""
    if not ip_address:
        return
    block = (
        ContactBlock.objects.filter(
            widget_id=contact.widget_id, ip_address=ip_address, lifted_at__isnull=True
        )
        .order_by("-pk")
        .first()
    )
    if block is not None:
        contact.blocked_by = block
