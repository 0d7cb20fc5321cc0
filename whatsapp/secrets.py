"""Tokens kept in the database, encrypted with a key derived from SECRET_KEY (Fernet).

Rotating SECRET_KEY makes stored tokens unreadable: enter them again in the admin, or name
an environment variable instead (the channel's `*_env` fields), which is read at send time.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"destek.whatsapp.secrets:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def secret_encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def secret_decrypt(value: str) -> str:
    """The stored secret, or "" when there is none or SECRET_KEY changed since."""
    if not value:
        return ""
    try:
        return _fernet().decrypt(value.encode()).decode()
    except InvalidToken:
        return ""
