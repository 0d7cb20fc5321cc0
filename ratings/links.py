"""Signed rating links for email: they name one conversation and expire after a week."""

from django.core import signing

SALT = "destek.rating-link"
MAX_AGE_SECONDS = 7 * 24 * 3600


def rating_link_token(*, conversation_id: int) -> str:
    return signing.dumps({"c": conversation_id}, salt=SALT)


def rating_link_conversation_id(token: str) -> int | None:
    """The conversation a token names, or None when forged, malformed or expired."""
    if not isinstance(token, str) or len(token) > 256:
        return None
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    value = payload.get("c") if isinstance(payload, dict) else None
    return value if isinstance(value, int) else None
