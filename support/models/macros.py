from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .owned import team_and_owner_fields


class Macro(models.Model):
    """A named sequence of conversation actions an agent runs with one click
    (support.services.macros): personal to its owner, or shared with one team (managed by
    supervisors), like canned replies. `actions` is a list of {type, value} in run order;
    the types are support.services.macros.MACRO_ACTIONS."""

    name = models.CharField(_("name"), max_length=80)
    team, owner = team_and_owner_fields(related_name="macros")
    actions = models.JSONField(_("actions"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(team__isnull=True, owner__isnull=False)
                | Q(team__isnull=False, owner__isnull=True),
                name="macro_team_or_owner",
            )
        ]

    def __str__(self) -> str:
        return self.name
