"""Email fallback state: what a visitor asked for, and what was already emailed."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from support.models.fields import channel_language_field


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


class SupportAddress(models.Model):
    """A team's support address: mail to it opens e-mail conversations in the team's queue.

    It belongs to a widget (the shop's inbox): a sender is that widget's contact, so the same
    person's widget chats and mails share one contact. Mail arrives by IMAP polling (the
    IMAP fields filled in) or by the inbound webhook (POST /integrations/mailbox/<id>/ with
    `webhook_secret`). The IMAP password is never stored: `imap_password_env` names the
    environment variable that holds it.
    """

    class Security(models.TextChoices):
        SSL = "ssl", _("TLS (IMAPS, port 993)")
        STARTTLS = "starttls", _("STARTTLS (port 143)")
        NONE = "none", _("None (local test servers only)")

    address = models.EmailField(_("address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=120)
    team = models.ForeignKey(
        "support.Team", verbose_name=_("team"), related_name="+", on_delete=models.PROTECT
    )
    widget = models.ForeignKey(
        "support.Widget",
        verbose_name=_("widget"),
        related_name="+",
        on_delete=models.PROTECT,
        help_text=_("Senders become contacts of this widget (merged with its chat contacts)."),
    )
    topic = models.ForeignKey(
        "support.Topic",
        verbose_name=_("topic"),
        related_name="+",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_("Optional: new mails start with this topic (its team and priority)."),
    )
    language = channel_language_field()
    is_active = models.BooleanField(_("active"), default=True)
    imap_host = models.CharField(
        _("IMAP host"), max_length=255, blank=True, help_text=_("Empty: inbound webhook only.")
    )
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(
        _("IMAP security"), max_length=8, choices=Security.choices, default=Security.SSL
    )
    imap_user = models.CharField(_("IMAP user"), max_length=255, blank=True)
    imap_password_env = models.CharField(
        _("IMAP password variable"),
        max_length=100,
        blank=True,
        help_text=_("The name of the environment variable holding the IMAP password."),
    )
    imap_folder = models.CharField(_("IMAP folder"), max_length=255, default="INBOX")
    webhook_secret = models.CharField(
        _("inbound webhook secret"),
        max_length=128,
        blank=True,
        help_text=_("Sent as X-Destek-Mailbox-Secret by the forwarding service; empty: off."),
    )
    # Where polling resumes: the folder's UIDVALIDITY and the last UID handled.
    imap_uidvalidity = models.PositiveBigIntegerField(default=0, editable=False)
    imap_last_uid = models.PositiveBigIntegerField(default=0, editable=False)
    imap_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True, editable=False)
    imap_error = models.TextField(_("last polling error"), blank=True, editable=False)

    class Meta:
        verbose_name = _("support address")
        verbose_name_plural = _("support addresses")

    def __str__(self) -> str:
        return f"{self.display_name} <{self.address}>"


class InboundEmail(models.Model):
    """One received mail, stored once by its Message-ID: the full original for agents, and
    what became of it (posted into a conversation, or refused and why)."""

    class Status(models.TextChoices):
        POSTED = "posted", _("Posted")
        REFUSED = "refused", _("Refused")

    support_address = models.ForeignKey(
        SupportAddress, related_name="inbound", null=True, on_delete=models.SET_NULL
    )
    header_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices)
    refusal = models.CharField(_("refusal"), max_length=64, blank=True)
    sender = models.CharField(_("from"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    conversation = models.ForeignKey(
        "support.Conversation", related_name="inbound_emails", null=True, on_delete=models.CASCADE
    )
    message = models.OneToOneField(
        "support.Message", related_name="inbound_email", null=True, on_delete=models.CASCADE
    )
    # The mail as received (RFC 822), kept for agents; the message shows the trimmed text.
    original = models.BinaryField(_("original"), blank=True, default=b"")
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inbound e-mail")
        verbose_name_plural = _("inbound e-mails")
        indexes = [models.Index(fields=["conversation", "id"], name="inbound_email_conv_idx")]

    def __str__(self) -> str:
        return self.header_id


class OutboundEmail(models.Model):
    """One reply mailed out of an e-mail conversation: its Message-ID, threading and state."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not sent")

    message = models.OneToOneField(
        "support.Message", related_name="outbound_email", on_delete=models.CASCADE
    )
    conversation = models.ForeignKey(
        "support.Conversation", related_name="outbound_emails", on_delete=models.CASCADE
    )
    header_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("outbound e-mail")
        verbose_name_plural = _("outbound e-mails")

    def __str__(self) -> str:
        return self.header_id
