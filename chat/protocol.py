"""The widget protocol's objects (PROTOCOL.md): plain dicts, ready for JSON."""

from django.utils.translation import gettext as _

from ratings import selectors as rating_selectors
from support.models import Conversation

from .models import Message


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def agent_public(user) -> dict | None:
    if user is None:
        return None
    profile = getattr(user, "agent_profile", None)
    name = profile.name if profile else (user.get_full_name() or user.get_username())
    return {"name": name, "avatar_url": None}


def message_sender(message: Message) -> dict:
    if message.sender_type == Message.SenderType.AGENT:
        return {"type": "agent", **agent_public(message.sender_agent)}
    if message.sender_type == Message.SenderType.BOT:
        return {"type": "bot", "name": _("Destek assistant"), "avatar_url": None}
    if message.sender_type == Message.SenderType.SYSTEM:
        return {"type": "system", "name": "", "avatar_url": None}
    return {"type": "visitor", "name": "", "avatar_url": None}


def message_to_dict(message: Message) -> dict:
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "client_id": message.client_id,
        "sender": message_sender(message),
        "body": message.body,
        "attachments": [],
        "actions": message.actions or [],
        "created_at": _iso(message.created_at),
    }


def conversation_to_dict(conversation: Conversation, *, queue: dict | None = None) -> dict:
    """`queue` (an addition to v1): {position, estimated_wait_seconds} while waiting, else null."""
    return {
        "id": conversation.pk,
        "status": conversation.status,
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
    }


def conversation_summary(conversation: Conversation) -> dict:
    """The session's list entry for one of the visitor's conversations."""
    return {
        "id": conversation.pk,
        "status": conversation.status,
        "topic": conversation.topic.slug if conversation.topic_id else None,
        "last_message": conversation.last_message_preview,
        "unread": getattr(conversation, "unread_count", 0),
        "updated_at": _iso(conversation.last_message_at or conversation.created_at),
    }
