"""Changing a sent message: an agent edits or deletes their own within a window; a visitor
deletes their own last message before an agent has seen it.

The message keeps its row and id (clients resume by id): an edit replaces the text, a
delete empties it and its files. The text before each change goes to the audit log, which
supervisors read; `message.changed` tells the widget and the consoles to update in place.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import errors, selectors
from ..edge import row_id
from ..events import event_emit
from ..models import AgentProfile, Attachment, AuditEvent, Contact, Conversation, Message
from ..text import search_words
from .attachments import attachments_delete
from .audit import audit_record
from .messages import _clean_body


def message_edit_window() -> timedelta:
    return timedelta(seconds=settings.DESTEK["MESSAGE_EDIT_WINDOW_SECONDS"])


def message_can_change(*, message: Message, user, now=None) -> bool:
    """Whether `user` may still edit or delete this message: their own agent message, not
    deleted, younger than the window."""
    now = now or timezone.now()
    return (
        message.sender_type == Message.SenderType.AGENT
        and message.sender_agent_id == user.pk
        and message.deleted_at is None
        and now - message.created_at <= message_edit_window()
    )


def _agent_message_locked(*, profile: AgentProfile, message_id: Any) -> Message:
    """The message, row-locked, if the agent may see its conversation; NotFound otherwise."""
    message_id = row_id(message_id)
    if message_id is None:
        raise errors.NotFound(_("No such message."))
    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("conversation")
        .filter(pk=int(message_id))
        .first()
    )
    if message is None:
        raise errors.NotFound(_("No such message."))
    # The console's visibility rule, from its one source.
    selectors.conversation_get_for_agent(profile=profile, conversation_id=message.conversation_id)
    if (
        message.sender_type != Message.SenderType.AGENT
        or message.sender_agent_id != profile.user_id
    ):
        raise errors.Forbidden(_("You can only change your own messages."), code="not_yours")
    if message.deleted_at is not None:
        raise errors.Conflict(_("This message was deleted."), code="message_deleted")
    if timezone.now() - message.created_at > message_edit_window():
        minutes = round(message_edit_window().total_seconds() / 60)
        raise errors.Conflict(
            _("Messages can be changed for %(minutes)s minutes after sending.")
            % {"minutes": minutes},
            code="edit_window_passed",
        )
    return message


def _changed(*, message: Message, change: str, actor, old_body: str) -> None:
    audit_record(
        actor=actor,
        action=AuditEvent.Action.MESSAGE_EDITED
        if change == "edited"
        else AuditEvent.Action.MESSAGE_DELETED,
        contact_id=message.conversation.contact_id,
        conversation_id=message.conversation_id,
        detail={"message": message.pk, "body": old_body, "by": message.sender_type},
    )
    _preview_follow(message=message, old_body=old_body)
    event_emit(
        "message.changed",
        message_id=message.pk,
        conversation_id=message.conversation_id,
        contact_id=message.conversation.contact_id,
        change=change,
    )


def _preview_follow(*, message: Message, old_body: str) -> None:
    """The inbox preview showed the old text: it shows the new one (or none)."""
    conversation = message.conversation
    if old_body and conversation.last_message_preview == old_body[:140]:
        Conversation.objects.filter(pk=conversation.pk).update(
            last_message_preview=message.body[:140]
        )
        # The inbox rows show the new preview.
        event_emit("conversation.updated", conversation_id=conversation.pk)


def message_edit(*, profile: AgentProfile, message_id: Any, body: Any) -> Message:
    """An agent replaces the text of their own message within the window."""
    with transaction.atomic():
        # Whether the agent may change it first, then their input.
        message = _agent_message_locked(profile=profile, message_id=message_id)
        body = _clean_body(body)
        if not body:
            raise errors.InvalidInput(_("The message is empty."), code="empty_message")
        old_body = message.body
        if body == old_body:
            return message
        message.body = body
        message.edited_at = timezone.now()
        message.search_text = search_words(body)
        message.save(update_fields=["body", "edited_at", "search_text"])
        _changed(message=message, change="edited", actor=profile.user, old_body=old_body)
    return message


def message_delete(*, profile: AgentProfile, message_id: Any) -> Message:
    """An agent deletes their own message within the window."""
    with transaction.atomic():
        message = _agent_message_locked(profile=profile, message_id=message_id)
        old_body = _message_erase(message)
        _changed(message=message, change="deleted", actor=profile.user, old_body=old_body)
    return message


def visitor_message_delete(*, contact: Contact, conversation_id: Any, message_id: Any) -> Message:
    """A visitor deletes their own last message of a conversation, while no agent has seen it."""
    conversation = selectors.conversation_get_for_contact(
        contact=contact, conversation_id=conversation_id
    )
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        last = (
            Message.objects.filter(conversation=locked, sender_type=Message.SenderType.VISITOR)
            .order_by("-pk")
            .first()
        )
        if last is None or str(last.pk) != str(message_id):
            raise errors.Conflict(
                _("Only your last message can be deleted."), code="not_last_message"
            )
        if last.deleted_at is not None:
            return last
        if last.pk <= locked.agent_last_read_id:
            raise errors.Conflict(
                _("This message was already seen, so it can no longer be deleted."),
                code="message_seen",
            )
        last.conversation = locked
        old_body = _message_erase(last)
        if locked.agent_unread_count:
            # An unread message gone: the agents' unread count follows.
            locked.agent_unread_count -= 1
            locked.save(update_fields=["agent_unread_count"])
        _changed(message=last, change="deleted", actor=None, old_body=old_body)
    return last


def _message_erase(message: Message) -> str:
    """Empty the message's text and files; returns the text it had."""
    old_body = message.body
    files = Attachment.objects.filter(message=message)
    names = list(files.values_list("name", flat=True))
    message.body = ""
    message.search_text = ""
    message.deleted_at = timezone.now()
    message.save(update_fields=["body", "search_text", "deleted_at"])
    if names:
        attachments_delete(attachments=files)
        old_body = f"{old_body}\n[{', '.join(names)}]".strip()
    return old_body
