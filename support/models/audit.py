from django.db import models
from django.utils.translation import gettext_lazy as _

from .fields import agent_field


class RateLimitBucket(models.Model):
    """A fixed-window hit counter shared by every process (login lockout, session creation)."""

    key = models.CharField(max_length=255, unique=True)
    window_started_at = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("rate limit counter")
        verbose_name_plural = _("rate limit counters")
        indexes = [models.Index(fields=["window_started_at"], name="ratelimit_window_idx")]

    def __str__(self) -> str:
        return f"{self.key}: {self.hits}"


class AuditEvent(models.Model):
    """Who viewed, changed, exported or erased a conversation or contact, and when.

    Ids, not foreign keys: the record outlives the rows it is about (erasure, retention).
    """

    class Action(models.TextChoices):
        CONVERSATION_VIEWED = "conversation.viewed", _("Conversation viewed")
        CONVERSATION_ASSIGNED = "conversation.assigned", _("Conversation assigned")
        CONVERSATION_TRANSFERRED = "conversation.transferred", _("Conversation transferred")
        CONVERSATION_STATUS_CHANGED = "conversation.status", _("Conversation status changed")
        CONVERSATION_PRIORITY_CHANGED = "conversation.priority", _("Priority changed")
        CONTACT_EXPORTED = "contact.exported", _("Contact data exported")
        CONTACT_ERASED = "contact.erased", _("Contact data erased")
        CONTACT_MERGED = "contact.merged", _("Contacts merged")
        ATTRIBUTE_CHANGED = "attribute.changed", _("Attribute changed")
        LOGIN_LOCKED = "login.locked", _("Login locked after failures")
        CONTACT_BLOCKED = "contact.blocked", _("Contact blocked")
        CONTACT_UNBLOCKED = "contact.unblocked", _("Block lifted")
        MESSAGE_EDITED = "message.edited", _("Message edited")
        MESSAGE_DELETED = "message.deleted", _("Message deleted")
        MACRO_RUN = "macro.run", _("Macro run")
        SETTINGS_CHANGED = "settings.changed", _("Settings changed")

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = agent_field(_("who"))
    # Kept when the user is deleted; "system" for jobs and commands without a user.
    actor_name = models.CharField(_("who (name)"), max_length=191, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    contact_ref = models.BigIntegerField(_("contact id"), null=True, blank=True, db_index=True)
    conversation_ref = models.BigIntegerField(
        _("conversation id"), null=True, blank=True, db_index=True
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"
