import os

from django.db import models
from django.utils.translation import gettext_lazy as _

from support.models import Message, Team, Widget
from support.models.fields import channel_language_field

from .secrets import secret_decrypt


def _secret_fields(verbose_name, *, help_text) -> tuple[models.CharField, models.TextField]:
    """A secret as two fields: the name of an environment variable holding it, or the secret
    itself, encrypted (whatsapp.secrets); the variable wins when both are set."""
    env = models.CharField(verbose_name, max_length=100, blank=True, help_text=help_text)
    encrypted = models.TextField(editable=False, blank=True)
    return env, encrypted


class Channel(models.Model):
    """One WhatsApp Business number (Cloud API), answering for a widget's inbox: its customers
    are that widget's contacts, its conversations go to `team`."""

    name = models.CharField(_("name"), max_length=100)
    widget = models.ForeignKey(
        Widget, verbose_name=_("widget"), related_name="+", on_delete=models.CASCADE
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    phone_number_id = models.CharField(_("phone number id"), max_length=64, unique=True)
    display_phone_number = models.CharField(_("phone number"), max_length=32, blank=True)
    access_token_env, access_token_encrypted = _secret_fields(
        _("access token variable"),
        help_text=_("Name of an environment variable holding the access token."),
    )
    app_secret_env, app_secret_encrypted = _secret_fields(
        _("app secret variable"),
        help_text=_("Name of an environment variable holding the app secret."),
    )
    verify_token = models.CharField(
        _("verify token"),
        max_length=100,
        help_text=_("Any string; enter the same in the Meta app's webhook settings."),
    )
    language = channel_language_field()
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("WhatsApp number")
        verbose_name_plural = _("WhatsApp numbers")

    def __str__(self) -> str:
        return self.display_phone_number or self.name

    def _secret(self, env_name: str, encrypted: str) -> str:
        if env_name:
            return os.environ.get(env_name, "")
        return secret_decrypt(encrypted)

    @property
    def access_token(self) -> str:
        return self._secret(self.access_token_env, self.access_token_encrypted)

    @property
    def app_secret(self) -> str:
        return self._secret(self.app_secret_env, self.app_secret_encrypted)


class Template(models.Model):
    """A message template Meta approved for this number: what may be sent once the
    customer-service window closed. `body` is its text with {{1}}, {{2}}… placeholders."""

    channel = models.ForeignKey(
        Channel,
        verbose_name=_("WhatsApp number"),
        related_name="templates",
        on_delete=models.CASCADE,
    )
    name = models.CharField(_("template name"), max_length=512)
    language = models.CharField(_("language code"), max_length=16, default="tr")
    body = models.TextField(_("body"))

    class Meta:
        verbose_name = _("WhatsApp template")
        verbose_name_plural = _("WhatsApp templates")
        ordering = ["name", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "name", "language"], name="whatsapp_template_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"

    @property
    def placeholder_count(self) -> int:
        count = 0
        while f"{{{{{count + 1}}}}}" in self.body:
            count += 1
        return count


class InboundMessage(models.Model):
    """A WhatsApp message id (wamid) already stored: Meta retries webhooks, a retry is
    recognised here and stored once. A wamid encodes the sender's number, so it goes with its
    message (retention, erasure)."""

    channel = models.ForeignKey(Channel, related_name="+", on_delete=models.CASCADE)
    wamid = models.CharField(max_length=255, unique=True)
    message = models.ForeignKey(
        Message, null=True, blank=True, related_name="+", on_delete=models.CASCADE
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.wamid


class OutboundMessage(models.Model):
    """A message of a WhatsApp conversation sent (or to be sent) out; `wamid` ties Meta's
    statuses to it. The state shown to agents is Message.delivery."""

    message = models.OneToOneField(Message, related_name="+", on_delete=models.CASCADE)
    channel = models.ForeignKey(Channel, related_name="+", on_delete=models.CASCADE)
    # An approved template and its parameters, when the window had closed.
    template = models.ForeignKey(
        Template, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    template_parameters = models.JSONField(default=list, blank=True)
    wamid = models.CharField(max_length=255, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.wamid or f"message {self.message_id}"


class Thread(models.Model):
    """Which number a WhatsApp conversation came in on and whom to answer (the wa_id)."""

    conversation = models.OneToOneField(
        "support.Conversation", related_name="+", on_delete=models.CASCADE
    )
    channel = models.ForeignKey(Channel, related_name="threads", on_delete=models.CASCADE)
    wa_id = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"+{self.wa_id}"
