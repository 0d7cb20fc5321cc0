"""Items an agent keeps for themself or shares with one team: canned replies and macros.

Helpers rather than an abstract model: each model keeps the reverse names and constraint
names its migrations already gave it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .teams import Team


def team_and_owner_fields(*, related_name: str) -> tuple[models.ForeignKey, models.ForeignKey]:
    """`team` (shared with it, managed by supervisors) and `owner` (personal): one is set."""
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        related_name=related_name,
        on_delete=models.CASCADE,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        related_name=related_name,
        on_delete=models.CASCADE,
    )
    return team, owner


def team_xor_owner(*, name: str) -> models.CheckConstraint:
    """Exactly one scope: a team's, or one agent's own."""
    return models.CheckConstraint(
        condition=Q(team__isnull=False, owner__isnull=True)
        | Q(team__isnull=True, owner__isnull=False),
        name=name,
    )
