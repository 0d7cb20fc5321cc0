"""Email fallback state: what a visitor asked for, and what was already emailed."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailPreference(models.Model):
    """What a visitor asked for when they left their address (Contact.email holds it)."""

    contact = models.OneToOneField(
        "support.Contact",
        verbose_name=_("contact"),
        related_name="email_preference",
        on_delete=models.CASCADE,
    )
    transcript_requested = models.BooleanField(_("email the transcript at resolve"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("email preference")
        verbose_name_plural = _("email preferences")

    def __str__(self) -> str:
        return str(self.contact)


class ConversationEmailState(models.Model):
    """The last agent reply emailed for a conversation: one email carries every reply after it."""

    conversation = models.OneToOneField(
        "support.Conversation", related_name="email_state", on_delete=models.CASCADE
    )
    last_emailed_message_id = models.PositiveBigIntegerField(default=0)
    transcript_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("conversation email state")
        verbose_name_plural = _("conversation email states")

    def __str__(self) -> str:
        return f"#{self.conversation_id} → {self.last_emailed_message_id}"
