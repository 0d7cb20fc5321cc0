"""Reads of the ratings domain."""

from django.db.models import Avg, Count, Q

from support.models import Conversation

from .models import SCORE_MAX, SCORE_MIN, Rating


def rating_for_conversation(*, conversation) -> Rating | None:
    """The conversation's rating, from the select_related cache when it was loaded with it."""
    try:
        return conversation.rating
    except Rating.DoesNotExist:
        return None


def rating_to_dict(rating: Rating | None) -> dict | None:
    """The protocol's `rating` object (docs/protocol.md): {score, comment, created_at} or null."""
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
    return (
        Conversation.objects.select_related("rating", "contact").filter(pk=conversation_id).first()
    )


SCORES = range(SCORE_MAX, SCORE_MIN - 1, -1)  # 5 first


def rating_aggregates() -> dict:
    """The CSAT aggregates over a conversation queryset, to fold into a larger aggregate
    (`console.reports` asks for everything about its conversations in one scan)."""
    by_person = Q(resolved_at__isnull=False, resolved_by_bot=False)
    return {
        "csat_average": Avg("rating__score"),
        "csat_rated": Count("rating"),
        "csat_resolved": Count("id", filter=by_person),
        "csat_rated_of_resolved": Count("rating", filter=by_person),
        **{
            f"csat_score_{score}": Count("rating", filter=Q(rating__score=score))
            for score in SCORES
        },
    }


def rating_summary_from(row: dict) -> dict:
    """CSAT figures from an aggregate row holding `rating_aggregates()`.

    average and distribution over every rating; the response rate is rated / resolved among
    conversations a person resolved (the bot's deflections are never asked for a rating).
    """
    resolved = row["csat_resolved"]
    return {
        "average": row["csat_average"],
        "rated": row["csat_rated"],
        "resolved": resolved,
        "response_rate": (100 * row["csat_rated_of_resolved"] / resolved) if resolved else None,
        "distribution": [{"score": score, "count": row[f"csat_score_{score}"]} for score in SCORES],
    }


def rating_comments_latest(*, conversations, limit: int = 10) -> list[Rating]:
    """The newest ratings with a comment among these conversations, with their contact."""
    return list(
        Rating.objects.filter(conversation__in=conversations.values("pk"))
        .exclude(comment="")
        .select_related("conversation__contact")
        .order_by("-updated_at", "-pk")[:limit]
    )
