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


# IPv6 prefixes whose last 32 bits are an IPv4 address the packets end up at: IPv4-compatible
# (::a.b.c.d, deprecated but still routed by some stacks) and NAT64's well-known prefix.
_EMBEDDING_LAST_32_BITS = (
    ipaddress.IPv6Network("::/96"),
    ipaddress.IPv6Network("64:ff9b::/96"),
)
# NAT64 local-use (RFC 8215): not globally reachable, though Python < 3.12 calls it global.
_NOT_GLOBAL_V6 = (ipaddress.IPv6Network("64:ff9b:1::/48"),)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address stands for (mapped, compatible, NAT64, 6to4,
    Teredo server and client), or [] for a plain IPv6 address."""
    if ip.ipv4_mapped:
        return [ip.ipv4_mapped]
    if ip.sixtofour:
        return [ip.sixtofour]
    if ip.teredo:
        return list(ip.teredo)
    if any(ip in network for network in _EMBEDDING_LAST_32_BITS):
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    return []


def _is_global(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return ip.is_global and not ip.is_multicast


def address_is_public(address: str) -> bool:
    """A resolved address a webhook may call: global unicast, judged by the IPv4 address it
    embeds for the IPv6 forms that carry one ([::127.0.0.1] is loopback)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in network for network in _NOT_GLOBAL_V6):
            return False
        embedded = _embedded_ipv4(ip)
        if embedded:
            return all(_is_global(v4) for v4 in embedded)
    return _is_global(ip)


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
