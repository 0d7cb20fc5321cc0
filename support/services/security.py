"""Security: the shared rate-limit counters of widget sessions and the login lockout."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    AuditEvent,
    Conversation,
    RateLimitBucket,
)
from ..ratelimits import rate_limit_enforce_setting, rate_limit_hit
from .audit import audit_record

Status = Conversation.Status


def widget_session_rate_check(*, ip_address: str | None) -> None:
    """Widget session creation per client address; RateLimited (429) past the limit."""
    if not ip_address:
        return
    rate_limit_enforce_setting(
        key=f"widget-session:{ip_address}",
        setting="SESSION",
        detail=_("Too many sessions from this address; try again in a minute."),
    )


def _login_key(*, username: str, ip_address: str | None) -> str:
    return f"login:{(username or '').strip().lower()[:150]}:{ip_address or '-'}"


def _login_limits(*, username: str, ip_address: str | None) -> dict[str, int]:
    """The counters a sign-in attempt is held to, with their limits: one per username and
    address, and one per address across usernames, so an address that tries many usernames is
    stopped too (no known address, no such counter). A limit of 0 turns its counter off."""
    limits = {_login_key(username=username, ip_address=ip_address): "LOGIN_MAX_FAILURES"}
    if ip_address:
        limits[f"login-address:{ip_address}"] = "LOGIN_ADDRESS_MAX_FAILURES"
    return {key: settings.DESTEK[name] for key, name in limits.items() if settings.DESTEK[name]}


def login_lockout_remaining(*, username: str, ip_address: str | None, now=None) -> int:
    """Seconds this username may not sign in from this address (0 = not locked): the
    username's own lock or the whole address's, whichever ends later."""
    limits = _login_limits(username=username, ip_address=ip_address)
    if not limits:
        return 0
    now = now or timezone.now()
    window = timedelta(seconds=settings.DESTEK["LOGIN_LOCKOUT_SECONDS"])
    remaining = 0
    for bucket in RateLimitBucket.objects.filter(key__in=limits).only(
        "key", "window_started_at", "hits"
    ):
        if bucket.hits >= limits[bucket.key] and bucket.window_started_at > now - window:
            seconds = int((bucket.window_started_at + window - now).total_seconds())
            remaining = max(remaining, seconds, 1)
    return remaining


def login_failure_record(*, username: str, ip_address: str | None, now=None) -> bool:
    """One failed sign-in; True when it locks the username or the whole address (each lock
    audited once)."""
    locked = False
    window_seconds = settings.DESTEK["LOGIN_LOCKOUT_SECONDS"]
    for key, limit in _login_limits(username=username, ip_address=ip_address).items():
        rate_limit_hit(key=key, limit=limit, window_seconds=window_seconds, now=now)
        hits = RateLimitBucket.objects.filter(key=key).values_list("hits", flat=True).first()
        if hits != limit:
            continue
        locked = True
        detail = {"username": (username or "")[:150], "failures": hits}
        if key.startswith("login-address:"):
            detail["every_username"] = True
        audit_record(
            actor=None, action=AuditEvent.Action.LOGIN_LOCKED, ip_address=ip_address, detail=detail
        )
    return locked


def login_failures_clear(*, username: str, ip_address: str | None) -> None:
    """A successful sign-in forgets this username's failures from this address. The address's
    count across usernames stays: signing in to one's own account must not reset it."""
    RateLimitBucket.objects.filter(
        key=_login_key(username=username, ip_address=ip_address)
    ).delete()
