from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .fields import agent_field
from .widgets import Widget


class ContactBlock(models.Model):
    """An agent blocked a contact (or, for an anonymous visitor, their IP address) as spam or
    abuse. While it stands, the blocked contacts' messages are refused quietly
    (support.services.blocks); a supervisor lifts it, and the row stays as the record."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam")
        ABUSE = "abuse", _("Abuse")
        OTHER = "other", _("Other")

    widget = models.ForeignKey(
        Widget, verbose_name=_("widget"), related_name="blocks", on_delete=models.CASCADE
    )
    # The contact blocked (their devices keep their visitor token, so the block follows them).
    contact = models.ForeignKey(
        "support.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        related_name="blocks",
        on_delete=models.SET_NULL,
    )
    # Set for an IP block: new anonymous sessions from this address are blocked too.
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    conversation_ref = models.BigIntegerField(_("conversation id"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=8, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    blocked_by = agent_field(_("blocked by"))
    created_at = models.DateTimeField(_("blocked at"), auto_now_add=True)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = agent_field(_("lifted by"))

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        ordering = ["-created_at", "-id"]
        indexes = [
            # A session opening from an address: is it blocked on this widget?
            models.Index(
                fields=["widget", "ip_address"],
                condition=Q(lifted_at__isnull=True, ip_address__isnull=False),
                name="block_active_ip_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None
