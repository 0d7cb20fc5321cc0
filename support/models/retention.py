from django.db import models
from django.utils.translation import gettext_lazy as _


class RetentionPolicy(models.Model):
    """A retention period a supervisor set in the console; without a row, the environment's
    default (settings DESTEK["RETENTION_DAYS"]) holds. Read through support.retention only."""

    kind = models.CharField(_("kind"), max_length=40, unique=True)
    days = models.PositiveIntegerField(_("days"), help_text=_("0 keeps the data forever."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("retention period")
        verbose_name_plural = _("retention periods")

    def __str__(self) -> str:
        return f"{self.kind}: {self.days}"
