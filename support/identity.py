"""Visitor identity: the host app's HMAC signature and our own signed visitor tokens."""

import functools
import hashlib
import hmac
import time

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
    signed = _visitor_token_signed(token, settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS))
    if signed is None:
        return None
    payload, signed_at = signed
    # The age is checked at every read, as signing.loads(max_age=…) does.
    max_age = settings.DESTEK["VISITOR_TOKEN_MAX_AGE_SECONDS"]
    if max_age is not None and time.time() - signed_at > max_age:
        return None
    return dict(payload)


@functools.lru_cache(maxsize=4096)
def _visitor_token_signed(token: str, secret_key: str, fallbacks: tuple) -> tuple | None:
    """A well-formed token's payload (as a tuple of items) and the time it was signed, or None:
    a socket sends the same token with every message, and checking its signature again each
    time cost more than the rest of the token check. Only the signature and the payload are
    kept (they cannot change for one token and key); the age is the caller's to check."""
    try:
        payload = signing.loads(
            token, key=secret_key, fallback_keys=fallbacks, salt=VISITOR_TOKEN_SALT
        )
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not all(
        isinstance(payload.get(k), int) for k in ("c", "w", "v")
    ):
        return None
    # signing.dumps' format: value:timestamp:signature, the timestamp in base 62.
    signed_at = signing.b62_decode(token.rsplit(":", 2)[1])
    return tuple(payload.items()), signed_at
