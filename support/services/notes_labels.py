"""Internal notes (with mentions) and labels on conversations."""

import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from .. import errors, selectors
from ..edge import row_id
from ..events import event_emit
from ..models import (
    AgentProfile,
    Conversation,
    Label,
    Note,
)
from .messages import body_length_check

Status = Conversation.Status


# "@ayse", "@ali.kaya": Django usernames (letters, digits, @ . + - _), not inside an address.
MENTION = re.compile(r"(?<![\w.@+-])@([\w.+-]+)")


def mention_usernames(text: str) -> list[str]:
    """The usernames a note mentions, in order, without repeats; a final "." is punctuation."""
    seen: dict[str, None] = {}
    for match in MENTION.finditer(text or ""):
        name = match.group(1).rstrip(".").lower()
        if name:
            seen.setdefault(name, None)
    return list(seen)


def note_create(*, conversation: Conversation, author: AgentProfile, body: Any) -> Note:
    """An internal note. Only consoles hear of it; mentioned agents who may see the
    conversation are told live (others are not: a mention never widens access)."""
    if not isinstance(body, str):
        raise errors.InvalidInput(_("The note must be text."), code="invalid_body")
    body = body.strip()
    if not body:
        raise errors.InvalidInput(_("The note is empty."), code="empty_note")
    body_length_check(body, too_long=_("The note is longer than %(max)s characters."))
    mentioned = selectors.agent_list_who_may_see(
        conversation=conversation, usernames=mention_usernames(body)
    )
    with transaction.atomic():
        note = Note.objects.create(conversation=conversation, author=author.user, body=body)
        mentioned_ids = [p.user_id for p in mentioned if p.user_id != author.user_id]
        note.mentions.set(mentioned_ids)
        event_emit("note.created", note_id=note.pk, conversation_id=conversation.pk)
    note.mentioned_profiles = [p for p in mentioned if p.user_id in mentioned_ids]
    return note


def notes_delete_for_conversations(*, conversation_ids: list[int]) -> int:
    """Erasure (support.privacy): the internal notes of these conversations go entirely; a
    note is words about the person, with no figure that needs its row. Returns how many."""
    _total, per_model = Note.objects.filter(conversation_id__in=conversation_ids).delete()
    return per_model.get(Note._meta.label, 0)


def conversation_label_add(*, conversation: Conversation, label_id: Any) -> Conversation:
    label = Label.objects.filter(pk=row_id(label_id)).first()
    if label is None:
        raise errors.InvalidInput(_("No such label."), code="invalid_label")
    with transaction.atomic():
        conversation.labels.add(label)
        event_emit("conversation.labels_changed", conversation_id=conversation.pk)
    return conversation


def conversation_label_remove(*, conversation: Conversation, label_id: Any) -> Conversation:
    label_id = row_id(label_id)
    if label_id is None:
        raise errors.InvalidInput(_("No such label."), code="invalid_label")
    with transaction.atomic():
        conversation.labels.remove(label_id)
        event_emit("conversation.labels_changed", conversation_id=conversation.pk)
    return conversation
