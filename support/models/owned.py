"""Items an agent keeps for themself or shares with one team: canned replies and macros.

A field helper rather than an abstract model: each model keeps the reverse names its
migrations gave it (an abstract model's would be "%(class)s"-derived), and its own check
constraint, whose name and whose order of alternatives its migration already holds.
"""

from django.conf import settings
from django.db import models
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
