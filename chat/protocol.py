"""The widget protocol's objects (docs/protocol.md): plain dicts, ready for JSON."""

from django.utils import timezone
from django.utils.translation import gettext as _

from ratings import selectors as rating_selectors
from support import selectors as support_selectors
from support.models import Attachment, Conversation, Message
from support.models.agents import user_display_name

from . import file_urls


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def agent_public(user) -> dict | None:
    if user is None:
        return None
    return {"name": user_display_name(user), "avatar_url": None}


def message_sender(message: Message) -> dict:
    if message.sender_type == Message.SenderType.AGENT:
        # The agent's account may be gone (deleted users leave their messages, unnamed).
        public = agent_public(message.sender_agent) or {"name": "", "avatar_url": None}
        return {"type": "agent", **public}
    if message.sender_type == Message.SenderType.BOT:
        return {"type": "bot", "name": _("Destek assistant"), "avatar_url": None}
    if message.sender_type == Message.SenderType.SYSTEM:
        return {"type": "system", "name": "", "avatar_url": None}
    return {"type": "visitor", "name": "", "avatar_url": None}


def attachment_to_dict(attachment: Attachment) -> dict:
    """docs/protocol.md's Attachment. URLs are short-lived: relative to this server for local
    storage, absolute (presigned) for S3."""
    return {
        "id": attachment.pk,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "url": file_urls.signed_url(attachment, variant="file"),
        "thumbnail_url": file_urls.signed_url(attachment, variant="thumbnail"),
        "width": attachment.width,
        "height": attachment.height,
    }


def message_attachments(message: Message) -> list[Attachment]:
    """The message's attachments in upload order (from `attachment_list` or the prefetch when
    there is one: chat.selectors.message_objects_page, support's attachments_known)."""
    if message.pk is None:
        return []
    files = getattr(message, "attachment_list", None)
    if files is not None:
        return list(files)
    return list(message.attachments.all())


def visitor_status(conversation: Conversation) -> str:
    """The status a visitor sees: snoozing is the agents' own bookkeeping (the conversation
    is still open to them), so a snoozed conversation shows as open."""
    if conversation.status == Conversation.Status.SNOOZED:
        return Conversation.Status.OPEN
    return conversation.status


def message_to_dict(message: Message) -> dict:
    """Additions, only when they apply: `edited_at` (an agent changed the text) and
    `deleted_at` (deleted: no text, no files); see docs/protocol.md, Changed messages."""
    data = {
        "id": message.pk,
        "conversation": message.conversation_id,
        "client_id": message.client_id,
        "sender": message_sender(message),
        "body": message.body,
        "attachments": [attachment_to_dict(a) for a in message_attachments(message)],
        "actions": message.actions or [],
        "created_at": _iso(message.created_at),
    }
    if message.edited_at is not None:
        data["edited_at"] = _iso(message.edited_at)
    if message.deleted_at is not None:
        data["deleted_at"] = _iso(message.deleted_at)
    return data


def _reopen(conversation: Conversation) -> dict:
    """Additions: `reopen_until` (resolved ones: until when the visitor may reopen it) and
    `reopenable` (whether that is still so now)."""
    until = conversation.reopen_until
    return {
        "reopen_until": _iso(until),
        "reopenable": until is not None and until > timezone.now(),
    }


def conversation_to_dict(conversation: Conversation, *, queue: dict | None = None) -> dict:
    """`queue` (an addition to v1): {position, estimated_wait_seconds} while waiting, else null.
    `email_offer` (an addition): whether the widget offers the "leave your email" form now."""
    return {
        **_reopen(conversation),
        "id": conversation.pk,
        "status": visitor_status(conversation),
        "topic": conversation.topic.slug if conversation.topic_id else None,
        "priority": conversation.priority,
        "assignee": agent_public(conversation.assignee),
        "created_at": _iso(conversation.created_at),
        "resolved_at": _iso(conversation.resolved_at),
        "rating": rating_selectors.rating_to_dict(
            rating_selectors.rating_for_conversation(conversation=conversation)
        ),
        "visitor_last_read": conversation.visitor_last_read_id,
        "agent_last_read": conversation.agent_last_read_id,
        "queue": queue,
        "email_offer": support_selectors.nobody_can_answer(
            conversation=conversation, now=timezone.now()
        ),
    }


def conversation_for_visitor(conversation: Conversation) -> dict:
    """conversation_to_dict with its place in line read now (null unless it waits)."""
    queue = support_selectors.conversation_queue_info(conversation=conversation)
    return conversation_to_dict(conversation, queue=queue)


def conversation_summary(conversation: Conversation) -> dict:
    """The session's list entry for one of the visitor's conversations."""
    return {
        "id": conversation.pk,
        "status": visitor_status(conversation),
        "topic": conversation.topic.slug if conversation.topic_id else None,
        "last_message": conversation.last_message_preview,
        "unread": getattr(conversation, "unread_count", 0),
        "updated_at": _iso(conversation.last_message_at or conversation.created_at),
        "created_at": _iso(conversation.created_at),
        "resolved_at": _iso(conversation.resolved_at),
        **_reopen(conversation),
    }
