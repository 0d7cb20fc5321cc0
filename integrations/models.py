"""Integrations: webhook endpoints and their delivery log, and API tokens.

Kept out of the four domain apps: these rows describe who outside the helpdesk listens to it
or calls it, not the helpdesk itself.
"""

import hashlib
import secrets
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from support.models import Contact
from support.models.fields import agent_field


class Event(models.TextChoices):
    CONVERSATION_CREATED = "conversation.created", _("Conversation created")
    MESSAGE_CREATED = "message.created", _("Message created")
    CONVERSATION_RESOLVED = "conversation.resolved", _("Conversation resolved")
    RATING_CREATED = "rating.created", _("Rating created")
    CONTACT_UPDATED = "contact.updated", _("Contact updated")


def generate_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """A URL of the host app that receives signed event deliveries."""

    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(_("URL"), max_length=500)
    # Shared with the receiver, which checks each delivery's signature with it.
    secret = models.CharField(_("signing secret"), max_length=128, default=generate_webhook_secret)
    events = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    # Deliveries that failed for good in a row; reset by any successful attempt.
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    disabled_at = models.DateTimeField(_("disabled automatically"), null=True, blank=True)
    disabled_reason = models.CharField(_("why it was disabled"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def wants(self, event: str) -> bool:
        return self.is_active and event in (self.events or [])


class WebhookDelivery(models.Model):
    """One event for one endpoint. Its attempts are logged in WebhookAttempt."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("endpoint"),
        related_name="deliveries",
        on_delete=models.CASCADE,
    )
    # The same for every endpoint and every attempt of one event: receivers dedupe by it.
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4, db_index=True)
    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempt_count = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # attempt_count when it was last re-sent by hand: each re-send gets a full set of retries.
    attempts_before_resend = models.PositiveSmallIntegerField(default=0, editable=False)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-id"]
        indexes = [models.Index(fields=["endpoint", "-id"], name="webhook_delivery_endpoint_idx")]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery: what came back and how long it took."""

    delivery = models.ForeignKey(
        WebhookDelivery,
        verbose_name=_("delivery"),
        related_name="attempts",
        on_delete=models.CASCADE,
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started"))
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    response_ms = models.PositiveIntegerField(_("response time (ms)"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    response_excerpt = models.CharField(_("response (start)"), max_length=500, blank=True)
    succeeded = models.BooleanField(_("succeeded"), default=False)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"#{self.number} {self.status_code or self.error}"


TOKEN_PREFIX = "dtk_"  # noqa: S105 - a public marker, not a secret


def api_token_hash(token: str) -> str:
    """Tokens are long random strings, so one SHA-256 (no salt, no stretching) is enough:
    a leaked table gives nothing to guess from, and look-up stays one indexed query."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """A host app's server credential for /api/v1/. Only the hash is stored."""

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    name = models.CharField(_("name"), max_length=120, help_text=_("Which integration uses it."))
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices, default=Scope.READ)
    widget = models.ForeignKey(
        "support.Widget",
        verbose_name=_("widget"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("Limit the token to one widget's contacts and conversations; empty: all."),
    )
    # The first characters of the token, to tell tokens apart in lists and logs.
    prefix = models.CharField(_("prefix"), max_length=16, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = agent_field(_("created by"), editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE


class CrmExport(Contact):
    """No data of its own: the admin's "CRM export" page hangs off this proxy model, so it is
    listed under Integrations for supervisors (integrations.admin.CrmExportAdmin)."""

    class Meta:
        proxy = True
        verbose_name = _("CRM export")
        verbose_name_plural = _("CRM export")
        default_permissions = ()
