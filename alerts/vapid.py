"""VAPID keys (RFC 8292) for Web Push: the server's identity to the browsers' push services.

Both keys are URL-safe base64 without padding: the public key is the uncompressed P-256 point
the browser's pushManager.subscribe takes as applicationServerKey, the private key the raw
scalar py-vapid reads. No keys set: Web Push is off and the console says so.
"""

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def keys_generate() -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    private = key.private_numbers().private_value.to_bytes(32, "big")
    return _b64(public), _b64(private)


def public_key() -> str:
    return settings.DESTEK["VAPID_PUBLIC_KEY"]


def private_key() -> str:
    return settings.DESTEK["VAPID_PRIVATE_KEY"]


def configured() -> bool:
    return bool(public_key() and private_key())


def claims() -> dict:
    return {"sub": settings.DESTEK["VAPID_SUBJECT"]}
