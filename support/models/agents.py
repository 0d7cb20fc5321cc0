from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .teams import Team, default_time_zone


class AgentProfile(models.Model):
    """Marks a user as a support agent (or supervisor) and holds their helpdesk settings."""

    class Role(models.TextChoices):
        AGENT = "agent", _("Agent")
        SUPERVISOR = "supervisor", _("Supervisor")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, related_name="agent_profile", on_delete=models.CASCADE
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    display_name = models.CharField(_("display name"), max_length=120, blank=True)
    teams = models.ManyToManyField(Team, verbose_name=_("teams"), blank=True, related_name="agents")
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), default=5, help_text=_("Most open conversations at once.")
    )

    class Presence(models.TextChoices):
        ONLINE = "online", _("Online")
        AWAY = "away", _("Away")
        OFFLINE = "offline", _("Offline")

    presence = models.CharField(
        _("presence"), max_length=8, choices=Presence.choices, default=Presence.ONLINE
    )
    # Kept fresh by the console socket's heartbeat; stale means the console is gone.
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_assigned_at = models.DateTimeField(null=True, blank=True)
    # Reports count days and hours in this zone (the supervisor's own day, not UTC's).
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=default_time_zone,
        help_text=_("Reports count days and hours in this zone, e.g. Europe/Istanbul."),
    )
    # The console's language; empty follows the browser (support.languages.agent_language).
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("The console's language. Empty: the browser's language."),
    )

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.user.get_full_name() or self.user.get_username()

    @property
    def is_supervisor(self) -> bool:
        return self.role == self.Role.SUPERVISOR


def user_display_name(user) -> str:
    """The name people see for a staff user: their agent profile's, else their full name, else
    their username (a user without a profile: an admin, a former agent)."""
    profile = getattr(user, "agent_profile", None)
    return profile.name if profile else (user.get_full_name() or user.get_username())
