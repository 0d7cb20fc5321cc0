"""Reads of the ratings domain."""

from support.models import Conversation

from .models import Rating


def rating_for_conversation(*, conversation) -> Rating | None:
    """The conversation's rating, from the select_related cache when it was loaded with it."""
    try:
        return conversation.rating
    except Rating.DoesNotExist:
        return None


def rating_to_dict(rating: Rating | None) -> dict | None:
    """The protocol's `rating` object (PROTOCOL.md): {score, comment, created_at} or null."""
    if rating is None:
        return None
    return {
        "score": rating.score,
        "comment": rating.comment,
        "created_at": rating.created_at.isoformat(),
    }


def conversation_for_rating_link(*, conversation_id: int | None):
    """The conversation a valid rating link names, with its rating; None otherwise."""
    if conversation_id is None:
        return None
    return Conversation.objects.select_related("rating").filter(pk=conversation_id).first()
