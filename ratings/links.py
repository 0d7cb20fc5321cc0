"""Signed rating links (the rating e-mail, the prompt of channels without buttons): they name
one conversation and expire after a week."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "destek.rating-link"
MAX_AGE_SECONDS = 7 * 24 * 3600


def rating_link_token(*, conversation_id: int) -> str:
    return signing.dumps({"c": conversation_id}, salt=SALT)


def rating_link_url(*, conversation_id: int) -> str:
    """The rating page's absolute address for this conversation (no login: the token is the
    credential)."""
    token = rating_link_token(conversation_id=conversation_id)
    return settings.SITE_URL + reverse("rating_link", args=[token])


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
