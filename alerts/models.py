from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PushSubscription(models.Model):
    """One browser's Web Push subscription (PushSubscription.toJSON() of the Push API)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="push_subscriptions", on_delete=models.CASCADE
    )
    # The push service's URL for this browser; unique: a browser re-subscribing moves it.
    endpoint = models.URLField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return f"{self.user} · {self.user_agent[:40]}"


class AlertPreference(models.Model):
    """What an agent wants to hear of when the console is not in front of them. No row: all on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, related_name="alert_preference", on_delete=models.CASCADE
    )
    push_assigned = models.BooleanField(_("push: a conversation is assigned to me"), default=True)
    push_queued = models.BooleanField(
        _("push: a conversation waits in my team's queue"), default=True
    )
    push_mentions = models.BooleanField(_("push: I am mentioned in a note"), default=True)
    email_waiting = models.BooleanField(
        _("e-mail: a conversation waits past its target while I am offline"), default=True
    )

    class Meta:
        verbose_name = _("alert preference")
        verbose_name_plural = _("alert preferences")

    def __str__(self) -> str:
        return str(self.user)
