"""Rate limits: fixed-window hit counters in the database (RateLimitBucket), so every web
process and socket server shares them; no cache server needed. Each rule (a key prefix and
its settings) lives with the write path it guards; docs/security.md lists them."""

import math
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from . import errors, sql
from .models import RateLimitBucket


def rate_limit_hit(*, key: str, limit: int, window_seconds: int, now=None) -> bool:
    """Count one hit on `key` in a fixed window; False once the window holds more than `limit`."""
    return _rate_limit_count(key=key, limit=limit, window_seconds=window_seconds, now=now) == 0


def _rate_limit_count(*, key: str, limit: int, window_seconds: int, now=None) -> int:
    """Count one hit on `key`; 0 within the limit, else the seconds until the window ends.

    The counter is a database row, so every web process shares it; a hit is one statement
    (support.sql.rate_limit_bucket_hit), whatever state the window is in.
    """
    key = key[:255]
    now = now or timezone.now()
    bucket = sql.rate_limit_bucket_hit(
        key=key, now=now, window_start=now - timedelta(seconds=window_seconds)
    )
    if bucket.hits <= limit:
        return 0
    left = bucket.window_started_at + timedelta(seconds=window_seconds) - now
    return max(1, math.ceil(left.total_seconds()))


def rate_limit_enforce(*, key: str, limit: int, window_seconds: int, detail: str) -> None:
    """One hit on `key`: RateLimited (429) past `limit` per window, with the seconds until the
    window ends (the HTTP Retry-After). A limit of 0 turns the rule off."""
    if limit <= 0:
        return
    retry_after = _rate_limit_count(key=key, limit=limit, window_seconds=window_seconds)
    if retry_after:
        raise errors.RateLimited(detail, code="rate_limited", retry_after=retry_after)


def rate_limit_enforce_setting(*, key: str, setting: str, detail: str) -> None:
    """rate_limit_enforce with the limit and window of settings.DESTEK's `<setting>_RATE_LIMIT`
    and `<setting>_RATE_WINDOW_SECONDS`."""
    rate_limit_enforce(
        key=key,
        limit=settings.DESTEK[f"{setting}_RATE_LIMIT"],
        window_seconds=settings.DESTEK[f"{setting}_RATE_WINDOW_SECONDS"],
        detail=detail,
    )


# Longer than any window: a counter whose window started before this counts nothing.
STALE_AFTER = timedelta(days=7)


def rate_limit_buckets_purge(*, now=None) -> int:
    """Delete counters whose window ended long ago (nightly, support.tasks.retention_sweep):
    the per-conversation message counters would otherwise pile up. Returns how many."""
    now = now or timezone.now()
    deleted, _ = RateLimitBucket.objects.filter(window_started_at__lt=now - STALE_AFTER).delete()
    return deleted
