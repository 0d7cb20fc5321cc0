from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..languages import text_in_language


def default_time_zone() -> str:
    return settings.TIME_ZONE


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


# Higher first in queues and inboxes.
PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}

# The inbox's sort keys (support.selectors): urgent first, missed targets above everything.
# Conversation's inbox indexes hold these same expressions, so PostgreSQL reads the first page
# in order from an index instead of sorting every active conversation.
PRIORITY_ORDER = models.Case(
    *(
        models.When(priority=priority, then=models.Value(rank))
        for priority, rank in PRIORITY_RANK.items()
    ),
    default=models.Value(1),
    output_field=models.IntegerField(),
)


class NamedInTwoLanguages:
    """A name in English (`name_en`, or what `english_name` says) and optionally in Turkish
    (`name_tr`); the English name is also the object's text."""

    @property
    def english_name(self) -> str:
        return self.name_en

    def __str__(self) -> str:
        return self.english_name

    def name_for(self, language: str | None) -> str:
        return text_in_language(language, en=self.english_name, tr=self.name_tr)

    @property
    def local_name(self) -> str:
        """The name in the active language (the console's pills, filters, "Move to")."""
        return self.name_for(get_language())


class Team(NamedInTwoLanguages, models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    # The English name is `name`; blank falls back to it.
    name_tr = models.CharField(_("name (Turkish)"), max_length=120, blank=True)
    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    # Business hours: a team with no weekly intervals is always open.
    time_zone = models.CharField(_("time zone"), max_length=64, default=default_time_zone)
    out_of_hours_message_en = models.CharField(
        _("out-of-hours message (English)"), max_length=500, blank=True
    )
    out_of_hours_message_tr = models.CharField(
        _("out-of-hours message (Turkish)"), max_length=500, blank=True
    )
    auto_reply_when_nobody_online = models.BooleanField(
        _("auto-reply when nobody is online"),
        default=False,
        help_text=_(
            "During opening hours, answer a waiting visitor automatically when no agent of "
            "the team is online."
        ),
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    @property
    def english_name(self) -> str:
        return self.name


class BusinessHoursInterval(models.Model):
    """One weekly opening interval of a team. Closing at or before opening spans midnight."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    team = models.ForeignKey(Team, related_name="hours", on_delete=models.CASCADE)
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))

    class Meta:
        verbose_name = _("opening interval")
        verbose_name_plural = _("business hours")
        ordering = ["weekday", "opens_at"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


class SpecialDay(models.Model):
    """A holiday (closed all day) or a day with its own hours, replacing the weekly ones."""

    team = models.ForeignKey(Team, related_name="special_days", on_delete=models.CASCADE)
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=120, blank=True)
    is_closed = models.BooleanField(_("closed all day"), default=True)
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)

    class Meta:
        verbose_name = _("holiday or special day")
        verbose_name_plural = _("holidays and special days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["team", "date"], name="special_day_unique_per_team"),
            models.CheckConstraint(
                condition=Q(is_closed=True)
                | (Q(opens_at__isnull=False) & Q(closes_at__isnull=False)),
                name="special_day_open_needs_hours",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class Topic(NamedInTwoLanguages, models.Model):
    """What the visitor needs help with (Payment, Order, …); routes to a team."""

    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_tr = models.CharField(_("name (Turkish)"), max_length=120)
    description_en = models.CharField(_("description (English)"), max_length=255, blank=True)
    description_tr = models.CharField(_("description (Turkish)"), max_length=255, blank=True)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL
    )
    icon = models.CharField(
        _("icon"),
        max_length=32,
        blank=True,
        help_text=_("An icon name, e.g. card, bag, tool, user."),
    )
    default_priority = models.CharField(
        _("default priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    allow_urgent = models.BooleanField(_("visitors may mark urgent"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["order", "slug"]

    def description_for(self, language: str | None) -> str:
        return text_in_language(language, en=self.description_en, tr=self.description_tr)


class ResponseTarget(models.Model):
    """The service level for one priority: how fast the first reply and the resolution."""

    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, unique=True)
    first_response_seconds = models.PositiveIntegerField(_("first response within (seconds)"))
    resolution_seconds = models.PositiveIntegerField(_("resolution within (seconds)"))

    class Meta:
        verbose_name = _("response target")
        verbose_name_plural = _("response targets")

    def __str__(self) -> str:
        return self.get_priority_display()


class PriorityRule(models.Model):
    """Raise a new conversation's priority when the visitor's words contain a keyword."""

    keyword = models.CharField(_("keyword"), max_length=80)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("priority rule")
        verbose_name_plural = _("priority rules")
        ordering = ["keyword"]

    def __str__(self) -> str:
        return f"{self.keyword} → {self.get_priority_display()}"
