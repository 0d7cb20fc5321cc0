"""Proactive messages: a supervisor's rule that greets a visitor before they ask.

A Trigger belongs to one widget; the loader on the host page watches for its condition
(time on page, page address, a `Destek.track()` event, a returning visitor) and asks the
server to fire it. The server enforces the frequency cap and business hours, and records a
TriggerDisplay; a reply to the bubble starts a conversation linked to that display, which is
what the conversion figures count.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from support.languages import text_in_language
from support.models import Contact, Conversation, Team, Widget


class Trigger(models.Model):
    class Kind(models.TextChoices):
        TIME_ON_PAGE = "time_on_page", _("Time on page")
        URL = "url", _("Page address matches")
        EVENT = "event", _("Custom event (Destek.track)")
        RETURNING = "returning", _("Returning visitor")

    widget = models.ForeignKey(
        Widget, verbose_name=_("widget"), related_name="triggers", on_delete=models.CASCADE
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("when"), max_length=16, choices=Kind.choices)
    seconds_on_page = models.PositiveIntegerField(
        _("seconds on page"),
        default=0,
        help_text=_("Time on page: how long the visitor has been on the page."),
    )
    url_pattern = models.CharField(
        _("page address pattern"),
        max_length=255,
        blank=True,
        help_text=_(
            "The page path, * matches anything, e.g. /products/* or */checkout*. Required for "
            "“page address matches”; for the other kinds it limits where the trigger applies."
        ),
    )
    event_name = models.CharField(
        _("event name"),
        max_length=64,
        blank=True,
        help_text=_('Custom event: the name the page passes to Destek.track("…").'),
    )
    message_en = models.CharField(_("message (English)"), max_length=300)
    message_tr = models.CharField(_("message (Turkish)"), max_length=300)
    delay_seconds = models.PositiveIntegerField(
        _("delay (seconds)"), default=0, help_text=_("Wait this long after the condition is met.")
    )
    cap_days = models.PositiveSmallIntegerField(
        _("show at most once per (days)"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("A visitor sees this message at most once in this many days."),
    )
    business_hours_only = models.BooleanField(
        _("only during business hours"),
        default=False,
        help_text=_("Only while the team (or, with no team, any team) is open."),
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_("Whose business hours apply."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("proactive message")
        verbose_name_plural = _("proactive messages")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cap_days__gte=1), name="trigger_cap_days_gte_1"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.kind == self.Kind.URL and not self.url_pattern.strip():
            raise ValidationError({"url_pattern": _("A page address pattern is required.")})
        if self.kind == self.Kind.EVENT and not self.event_name.strip():
            raise ValidationError({"event_name": _("An event name is required.")})
        if self.kind == self.Kind.TIME_ON_PAGE and not self.seconds_on_page:
            raise ValidationError({"seconds_on_page": _("Give the seconds on page.")})

    def message_for(self, language: str | None) -> str:
        return text_in_language(language, en=self.message_en, tr=self.message_tr)


class TriggerDisplay(models.Model):
    """One time a trigger's message was shown to a visitor; the reply's conversation, if any."""

    trigger = models.ForeignKey(
        Trigger,
        verbose_name=_("proactive message"),
        related_name="displays",
        on_delete=models.CASCADE,
    )
    # "user:<external id>" for a verified identity, else "visitor:<id the loader keeps>".
    visitor_key = models.CharField(_("visitor"), max_length=220)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, related_name="trigger_displays", on_delete=models.SET_NULL
    )
    url = models.CharField(_("page"), max_length=500, blank=True)
    shown_at = models.DateTimeField(_("shown"), default=timezone.now)
    conversation = models.OneToOneField(
        Conversation,
        verbose_name=_("conversation"),
        null=True,
        blank=True,
        related_name="trigger_display",
        on_delete=models.SET_NULL,
    )
    converted_at = models.DateTimeField(_("replied"), null=True, blank=True)

    class Meta:
        verbose_name = _("proactive message shown")
        verbose_name_plural = _("proactive messages shown")
        indexes = [
            models.Index(
                fields=["trigger", "visitor_key", "-shown_at"], name="trigger_display_cap_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.trigger} → {self.visitor_key}"
