"""Privacy services (GDPR/KVKK): a contact's data export and erasure, written to the audit log.

- `contact_export`: a zip with `contact.json` (the contact, their conversations, messages,
  the agents' internal notes on them, ratings and the agents' edits of their details) and,
  under `attachments/`, their files. Notes are in it because what agents wrote about the
  person is personal data about them too.
- `contact_erase`: the contact is anonymised (name, email, phone, user id, attributes, device
  and locale cleared, every visitor token revoked), every message's text, every internal note,
  every rating comment and every file of their conversations deleted. Conversation rows,
  message rows (sender and time), ratings' scores and all timings stay: reports and SLA
  figures still add up, about nobody.

Both are called from the admin (actions on contacts) and `manage.py contact_export` /
`contact_erase`; each writes one AuditEvent with who did it.
"""

import io
import json
import zipfile
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import errors, services
from .models import Attachment, AuditEvent, Contact, ContactChange, Conversation, Message, Note

EXPORT_FORMAT_VERSION = 1

# What the apps above support erase of a contact's conversations, keyed by the name of its
# count in contact_erase's result (ratings: "ratings"): each a function of conversation_ids
# returning how many rows it changed, contributed from the app's AppConfig.ready.
_erasers: dict = {}


def erasure_register(*, name: str, eraser) -> None:
    """Let an app erase its own data about a contact's conversations (its words, not its
    figures) inside contact_erase's transaction."""
    _erasers[name] = eraser


def _iso(value) -> str | None:
    return value.isoformat() if value else None


# A contact's own details, in this order, wherever they leave the helpdesk: the CRM export's
# columns (integrations.exports), the REST API's and webhooks' contact
# (integrations.serializers) and the subject-access export below.
CONTACT_FIELDS = (
    "id",
    "widget",
    "external_id",
    "identified",
    "name",
    "email",
    "phone",
    "locale",
    "attributes",
    "created_at",
    "last_seen_at",
)


def contact_data(contact: Contact) -> dict[str, Any]:
    """The CONTACT_FIELDS of a contact (its widget selected) as JSON-ready data."""
    return {
        "id": contact.pk,
        "widget": contact.widget.key,
        "external_id": contact.external_id,
        "identified": contact.identified,
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "locale": contact.locale,
        "attributes": contact.attributes,
        "created_at": _iso(contact.created_at),
        "last_seen_at": _iso(contact.last_seen_at),
    }


def _contact_attachments(contact: Contact) -> list[Attachment]:
    """Every file in the contact's conversations, whoever uploaded it, sent or not."""
    return list(Attachment.objects.filter(conversation__contact_id=contact.pk).order_by("id"))


def _attachment_entry(attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "file": f"attachments/{attachment.pk}-{attachment.name}",
    }


def contact_export_data(*, contact: Contact) -> dict[str, Any]:
    """Everything the helpdesk holds about one contact, as JSON-ready data."""
    contact = Contact.objects.select_related("widget").get(pk=contact.pk)
    conversations = list(
        Conversation.objects.filter(contact=contact)
        .select_related("topic", "team", "assignee", "rating")
        .order_by("id")
    )
    messages_by_conversation: dict[int, list] = {c.pk: [] for c in conversations}
    for message in (
        Message.objects.filter(conversation__contact=contact)
        .select_related("sender_agent")
        .order_by("id")
    ):
        messages_by_conversation[message.conversation_id].append(message)
    notes_by_conversation: dict[int, list] = {c.pk: [] for c in conversations}
    for note in (
        Note.objects.filter(conversation__contact=contact).select_related("author").order_by("id")
    ):
        notes_by_conversation[note.conversation_id].append(note)
    attachments_by_message: dict[int | None, list] = {}
    for attachment in _contact_attachments(contact):
        attachments_by_message.setdefault(attachment.message_id, []).append(attachment)

    def message_entry(message: Message) -> dict[str, Any]:
        return {
            "id": message.pk,
            "sender": message.sender_type,
            "agent": message.sender_agent.get_username() if message.sender_agent else None,
            "body": message.body,
            "created_at": _iso(message.created_at),
            "attachments": [
                _attachment_entry(a) for a in attachments_by_message.get(message.pk, [])
            ],
        }

    def rating_entry(conversation: Conversation) -> dict | None:
        rating = getattr(conversation, "rating", None)
        if rating is None:
            return None
        return {
            "score": rating.score,
            "comment": rating.comment,
            "created_at": _iso(rating.created_at),
        }

    return {
        "format": EXPORT_FORMAT_VERSION,
        "exported_at": _iso(timezone.now()),
        "contact": {
            **contact_data(contact),
            "device": contact.device,
            "erased_at": _iso(contact.erased_at),
        },
        "detail_changes": [
            {
                "field": change.field,
                "old": change.old_value,
                "new": change.new_value,
                "changed_at": _iso(change.created_at),
            }
            for change in ContactChange.objects.filter(contact=contact).order_by("id")
        ],
        "conversations": [
            {
                "id": conversation.pk,
                "status": conversation.status,
                "topic": conversation.topic.slug if conversation.topic_id else None,
                "team": conversation.team.name if conversation.team_id else None,
                "priority": conversation.priority,
                "created_at": _iso(conversation.created_at),
                "first_response_at": _iso(conversation.first_response_at),
                "resolved_at": _iso(conversation.resolved_at),
                "rating": rating_entry(conversation),
                "messages": [message_entry(m) for m in messages_by_conversation[conversation.pk]],
                "notes": [
                    {
                        "id": note.pk,
                        "agent": note.author.get_username() if note.author else None,
                        "body": note.body,
                        "created_at": _iso(note.created_at),
                    }
                    for note in notes_by_conversation[conversation.pk]
                ],
                "unsent_attachments": [
                    _attachment_entry(a)
                    for a in attachments_by_message.get(None, [])
                    if a.conversation_id == conversation.pk
                ],
            }
            for conversation in conversations
        ],
    }


def contact_export(*, contact: Contact, by_user=None, ip_address: str | None = None) -> bytes:
    """The contact's data as a zip (contact.json + attachments/), and an audit line."""
    data = contact_export_data(contact=contact)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "contact.json", json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
        )
        for attachment in _contact_attachments(contact):
            with attachment.file.open("rb") as stored:
                archive.writestr(_attachment_entry(attachment)["file"], stored.read())
    services.audit_record(
        actor=by_user,
        action=AuditEvent.Action.CONTACT_EXPORTED,
        contact_id=contact.pk,
        ip_address=ip_address,
        detail={"conversations": len(data["conversations"])},
    )
    return buffer.getvalue()


def contact_erase(*, contact: Contact, by_user=None, ip_address: str | None = None) -> dict:
    """Anonymise the contact and delete their words and files; statistics stay.

    Returns counts {conversations, messages, notes, ratings, attachments}. Erasing twice is
    harmless. Files leave storage after the commit (support.services.attachments); every token
    is revoked, so an open widget falls back to a fresh anonymous session. The apps above
    support erase their own words through erasure_register (ratings: the comments).
    """
    with transaction.atomic():
        locked = Contact.objects.select_for_update().filter(pk=contact.pk).first()
        if locked is None:
            raise errors.NotFound(_("No such contact."))
        conversation_ids = list(
            Conversation.objects.filter(contact=locked).values_list("id", flat=True)
        )
        counts = {
            "conversations": len(conversation_ids),
            "attachments": services.attachments_delete_for_contact(contact=locked),
            "messages": services.messages_erase_for_conversations(
                conversation_ids=conversation_ids
            ),
            "notes": services.notes_delete_for_conversations(conversation_ids=conversation_ids),
        }
        for name, eraser in _erasers.items():
            counts[name] = eraser(conversation_ids=conversation_ids)
        Conversation.objects.filter(pk__in=conversation_ids).update(last_message_preview="")
        ContactChange.objects.filter(contact=locked).delete()
        locked.external_id = locked.name = locked.email = locked.phone = locked.locale = ""
        locked.attributes = {}
        locked.device = {}
        locked.last_ip = None
        locked.identified = False
        locked.token_version += 1
        locked.erased_at = timezone.now()
        locked.search_text = locked.search_words()
        locked.save()
        services.audit_record(
            actor=by_user,
            action=AuditEvent.Action.CONTACT_ERASED,
            contact_id=locked.pk,
            ip_address=ip_address,
            detail=counts,
        )
    return counts
