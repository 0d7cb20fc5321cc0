"""Reads of the chat domain."""

from support.models import Conversation

from . import protocol
from .models import Message


def message_objects_after(*, conversation: Conversation, after: int, limit: int) -> list[Message]:
    return list(
        Message.objects.filter(conversation=conversation, id__gt=after)
        .select_related("sender_agent__agent_profile")
        .order_by("id")[:limit]
    )


def message_objects_latest(*, conversation: Conversation, limit: int) -> list[Message]:
    """The newest messages, oldest first: what a conversation page shows first."""
    newest = list(
        Message.objects.filter(conversation=conversation)
        .select_related("sender_agent__agent_profile")
        .order_by("-id")[:limit]
    )
    newest.reverse()
    return newest


def message_objects_page(
    *, conversation: Conversation, before: int | None, limit: int
) -> tuple[list[Message], bool]:
    """Up to `limit` messages before a message id (None: the newest), oldest first, and
    whether earlier ones remain. One query, whatever the page."""
    messages = Message.objects.filter(conversation=conversation)
    if before is not None:
        messages = messages.filter(id__lt=before)
    page = list(
        messages.select_related("sender_agent__agent_profile")
        .defer("search_text", "search_document")
        .order_by("-id")[: limit + 1]
    )
    has_earlier = len(page) > limit
    page = page[:limit]
    page.reverse()
    return page, has_earlier


def message_list_after(
    *, conversation: Conversation, after: int, limit: int
) -> tuple[list[dict], bool]:
    """Protocol dicts of the messages after an id, oldest first, and whether more remain."""
    messages = message_objects_after(conversation=conversation, after=after, limit=limit + 1)
    has_more = len(messages) > limit
    return [protocol.message_to_dict(m) for m in messages[:limit]], has_more
