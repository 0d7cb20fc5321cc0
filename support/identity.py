"""Visitor identity: the host app's HMAC signature and our own signed visitor tokens."""

import hashlib
import hmac

from django.conf import settings
from django.core import signing

VISITOR_TOKEN_SALT = "destek.visitor-token"  # noqa: S105 - a namespace, not a secret


def identity_hash(*, secret: str, external_id: str) -> str:
    """What the host app's server computes: hex HMAC-SHA256(widget secret, external id)."""
    return hmac.new(secret.encode(), external_id.encode(), hashlib.sha256).hexdigest()


def identity_hash_is_valid(*, secret: str, external_id: str, claimed_hash: str) -> bool:
    expected = identity_hash(secret=secret, external_id=external_id)
    # Constant time, so the hash cannot be guessed byte by byte from response timings.
    return hmac.compare_digest(expected, (claimed_hash or "").strip().lower())


def visitor_token_issue(*, contact_id: int, widget_id: int, token_version: int) -> str:
    return signing.dumps(
        {"c": contact_id, "w": widget_id, "v": token_version}, salt=VISITOR_TOKEN_SALT
    )


def visitor_token_read(token: str) -> dict | None:
    """The token's payload, or None when it is forged, malformed or expired."""
    if not isinstance(token, str) or not token or len(token) > 512:
        return None
    try:
        payload = signing.loads(
            token,
            salt=VISITOR_TOKEN_SALT,
            max_age=settings.DESTEK["VISITOR_TOKEN_MAX_AGE_SECONDS"],
        )
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not all(
        isinstance(payload.get(k), int) for k in ("c", "w", "v")
    ):
        return None
    return payload
