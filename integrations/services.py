"""Writes of the integrations: webhook deliveries and their log, endpoints, API tokens."""

import json
import logging
import secrets
import time
from datetime import datetime, timedelta

import requests
import urllib3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from support import edge, errors
from support import selectors as support_selectors

from . import delivery_http, selectors, webhooks
from .models import (
    TOKEN_PREFIX,
    ApiToken,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    api_token_hash,
)

logger = logging.getLogger("destek.webhooks")

Status = WebhookDelivery.Status


def _setting(name: str):
    return settings.DESTEK[name]


def webhook_backoff_seconds(*, attempt: int) -> int:
    """Wait before attempt `attempt + 1`: base, 2×base, 4×base, … capped at an hour."""
    return min(_setting("WEBHOOK_BACKOFF_SECONDS") * 2 ** (attempt - 1), 3600)


def webhook_body(delivery: WebhookDelivery) -> bytes:
    # A payload snapshotted before the edge refused lone surrogates cannot be UTF-8 encoded.
    payload = edge.text_scrub(delivery.payload)
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def webhook_delivery_attempt(*, delivery_id: int) -> int | None:
    """Send one attempt of a pending delivery and log it.

    Returns the seconds to wait before the next attempt, or None when the delivery is done
    (delivered, failed for good, or not pending any more: a redelivered task does nothing).
    The HTTP call runs outside any transaction; its outcome is written in one.
    """
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if delivery.status != Status.PENDING:
        return None
    if not endpoint.is_active:
        WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.PENDING).update(
            status=Status.FAILED, next_attempt_at=None
        )
        return None

    body = webhook_body(delivery)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Destek-Webhooks/1",
        "Destek-Event": delivery.event,
        "Destek-Event-Id": str(delivery.event_id),
        "Destek-Timestamp": str(timestamp),
        "Destek-Signature": webhooks.signature(
            secret=endpoint.secret, timestamp=timestamp, body=body
        ),
    }
    started_at = timezone.now()
    started = time.monotonic()
    status_code, excerpt, error = None, "", ""
    deadline = _setting("WEBHOOK_TIMEOUT_SECONDS")
    try:
        webhooks.url_check(endpoint.url)  # again now: DNS may have changed since it was saved
        status_code, excerpt = delivery_http.post(
            url=endpoint.url, body=body, headers=headers, deadline_seconds=deadline
        )
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except ValidationError as refused:
        error = " ".join(refused.messages)
    except delivery_http.DeadlineExceeded:
        error = _("Timeout: no complete answer within %(seconds)s s.") % {"seconds": deadline}
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as failure:
        error = f"{type(failure).__name__}: {failure}"
    elapsed_ms = round((time.monotonic() - started) * 1000)
    return _attempt_record(
        delivery=delivery,
        started_at=started_at,
        status_code=status_code,
        response_ms=elapsed_ms if status_code is not None else None,
        error=error[:500],
        excerpt=excerpt[:500],
    )


WEBHOOK_SWEEP_BATCH = 20


def webhook_deliveries_send_due(*, limit: int = WEBHOOK_SWEEP_BATCH) -> int:
    """One attempt for each pending delivery that is due (at most `limit`), as the worker's
    tasks would make them; retries wait for their next_attempt_at. Returns how many ran."""
    ids = selectors.webhook_delivery_ids_due(now=timezone.now(), limit=limit)
    for delivery_id in ids:
        try:
            webhook_delivery_attempt(delivery_id=delivery_id)
        except Exception:
            # As a worker's failed task: logged, and the others still go out.
            logger.exception("Webhook delivery %s: the attempt failed", delivery_id)
    return len(ids)


def _attempt_record(
    *,
    delivery: WebhookDelivery,
    started_at: datetime,
    status_code: int | None,
    response_ms: int | None,
    error: str,
    excerpt: str,
) -> int | None:
    succeeded = not error
    with transaction.atomic():
        locked = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if locked.status != Status.PENDING:
            return None
        locked.attempt_count += 1
        WebhookAttempt.objects.create(
            delivery=locked,
            number=locked.attempt_count,
            started_at=started_at,
            status_code=status_code,
            response_ms=response_ms,
            error=error,
            response_excerpt=excerpt,
            succeeded=succeeded,
        )
        retry_in = None
        if succeeded:
            locked.status = Status.SUCCEEDED
            locked.delivered_at = timezone.now()
            locked.next_attempt_at = None
            WebhookEndpoint.objects.filter(pk=locked.endpoint_id).update(consecutive_failures=0)
        elif locked.attempt_count - locked.attempts_before_resend >= _setting(
            "WEBHOOK_MAX_ATTEMPTS"
        ):
            locked.status = Status.FAILED
            locked.next_attempt_at = None
            _endpoint_count_failure(endpoint_id=locked.endpoint_id, last_error=error)
        else:
            retry_in = webhook_backoff_seconds(attempt=locked.attempt_count)
            locked.next_attempt_at = timezone.now() + timedelta(seconds=retry_in)
        locked.save(update_fields=["attempt_count", "status", "delivered_at", "next_attempt_at"])
    if not succeeded:
        logger.info("Webhook delivery %s attempt failed: %s", delivery.pk, error)
    return retry_in


def _endpoint_count_failure(*, endpoint_id: int, last_error: str) -> None:
    """One more delivery failed for good; past the limit the endpoint is switched off."""
    WebhookEndpoint.objects.filter(pk=endpoint_id).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    limit = _setting("WEBHOOK_DISABLE_AFTER_FAILURES")
    disabled = WebhookEndpoint.objects.filter(
        pk=endpoint_id, is_active=True, consecutive_failures__gte=limit
    ).update(
        is_active=False,
        disabled_at=timezone.now(),
        disabled_reason=(
            _("%(count)s deliveries in a row failed; the last: %(error)s")
            % {"count": limit, "error": last_error}
        )[:300],
    )
    if disabled:
        selectors.endpoints_active.changed()
        transaction.on_commit(
            lambda: _notify_endpoint_disabled(endpoint_id=endpoint_id), robust=True
        )


def _notify_endpoint_disabled(*, endpoint_id: int) -> None:
    endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
    logger.warning("Webhook endpoint %s disabled: %s", endpoint.pk, endpoint.disabled_reason)
    recipients = support_selectors.supervisor_emails(team_id=None)
    if not recipients:
        return
    send_mail(
        subject=_("Webhook endpoint disabled: %(name)s") % {"name": endpoint.name},
        message=_(
            "Destek stopped sending events to %(url)s.\n\n%(reason)s\n\n"
            "Fix the receiver, then enable the endpoint again in the admin (Integrations → "
            "Webhook endpoints) and re-send the failed deliveries."
        )
        % {"url": endpoint.url, "reason": endpoint.disabled_reason},
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )


def webhook_delivery_resend(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again (same event id and payload), with a fresh round of retries."""
    from .tasks import webhook_deliver_on_commit

    with transaction.atomic():
        locked = (
            WebhookDelivery.objects.select_for_update()
            .select_related("endpoint")
            .get(pk=delivery.pk)
        )
        if not locked.endpoint.is_active:
            raise errors.Conflict(
                _("Enable the endpoint %(name)s before re-sending its deliveries.")
                % {"name": locked.endpoint.name},
                code="endpoint_disabled",
            )
        if locked.status == Status.PENDING:
            return locked
        # Earlier attempts stay in the log; numbering goes on after them, and a full round
        # of retries starts from here.
        WebhookDelivery.objects.filter(pk=locked.pk).update(
            status=Status.PENDING,
            attempts_before_resend=F("attempt_count"),
            next_attempt_at=None,
            delivered_at=None,
        )
        webhook_deliver_on_commit([locked.pk])
    locked.refresh_from_db()
    return locked


def webhook_endpoint_enable(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Switch a (disabled) endpoint back on, with its failure count cleared."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=True, consecutive_failures=0, disabled_at=None, disabled_reason=""
    )
    selectors.endpoints_active.changed()
    endpoint.refresh_from_db()
    return endpoint


def webhook_endpoint_save(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Create or edit an endpoint (the admin's form): a valid, allowed URL and known events."""
    from .models import Event

    webhooks.url_check(endpoint.url)
    unknown = set(endpoint.events or []) - set(Event.values)
    if unknown or not endpoint.events:
        raise ValidationError(_("Pick one or more of the listed events."))
    if endpoint.is_active and endpoint.disabled_at is not None:
        endpoint.consecutive_failures, endpoint.disabled_at, endpoint.disabled_reason = 0, None, ""
    endpoint.save()
    return endpoint


def api_token_create(
    *, name: str, scope: str, widget=None, created_by=None
) -> tuple[ApiToken, str]:
    """A new token; the plain value is returned once and never stored."""
    if scope not in ApiToken.Scope.values:
        raise ValidationError(_("Unknown scope."))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name,
        scope=scope,
        widget=widget,
        created_by=created_by,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        token_hash=api_token_hash(raw),
    )
    return token, raw


def api_token_update(*, token: ApiToken) -> ApiToken:
    """Rename, change the scope or widget, or switch a token off; the secret never changes."""
    if token.scope not in ApiToken.Scope.values:
        raise ValidationError(_("Unknown scope."))
    token.save(update_fields=["name", "scope", "widget", "is_active"])
    return token


API_TOKEN_TOUCH_EVERY = timedelta(minutes=1)


def api_token_touch(*, token: ApiToken) -> None:
    """Remember when a token was last used (at most one write a minute)."""
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - API_TOKEN_TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
