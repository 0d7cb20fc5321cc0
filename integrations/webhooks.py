"""Webhook wire format: the signature and the address check (no database here).

A delivery is a POST of the event as JSON (UTF-8) with these headers:

    Destek-Event: message.created
    Destek-Event-Id: 6f0c…            (the same on every retry: dedupe by it)
    Destek-Timestamp: 1764107400      (Unix seconds, when this attempt was signed)
    Destek-Signature: v1=<hex>        hex(HMAC-SHA256(secret, f"{timestamp}.{body}"))

The receiver recomputes the signature over the raw body bytes with its endpoint's secret,
compares in constant time, and refuses timestamps older than its replay window (5 minutes
is usual). docs/integrations.md has a verification example.
"""

import hashlib
import hmac
import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SIGNATURE_VERSION = "v1"
REPLAY_WINDOW_SECONDS = 300


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def signature_is_valid(
    *,
    secret: str,
    timestamp: str,
    body: bytes,
    header: str,
    now: float,
    window: int = REPLAY_WINDOW_SECONDS,
) -> bool:
    """What a receiver does (kept here for tests and for Python receivers to copy)."""
    try:
        stamp = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(now - stamp) > window:
        return False
    expected = signature(secret=secret, timestamp=stamp, body=body)
    return hmac.compare_digest(expected, header or "")


def _allow_private() -> bool:
    return settings.DESTEK["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"]


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def url_check(url: str) -> None:
    """Refuse URLs that are not http(s) or whose host resolves to a private, loopback,
    link-local or reserved address (SSRF), unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES is on."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("The URL must start with http:// or https:// and name a host."))
    if _allow_private():
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise ValidationError(
            _("The host %(host)s could not be resolved.") % {"host": parts.hostname}
        ) from None
    for info in infos:
        if not address_is_public(info[4][0]):
            raise ValidationError(
                _(
                    "The host %(host)s resolves to a private or local address (%(address)s); "
                    "webhooks may only call public addresses."
                )
                % {"host": parts.hostname, "address": info[4][0]}
            )
