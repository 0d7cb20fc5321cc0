"""Fields that mean the same in several models, declared once.

Functions rather than abstract models: each model keeps its own field order, verbose names and
reverse names, which its migrations already hold.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..languages import site_language


def agent_field(verbose_name=None, **options) -> models.ForeignKey:
    """The agent who did something (sent, uploaded, blocked, changed…): the row outlives the
    agent's account, so deleting the user leaves it empty."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
        **options,
    )


def channel_language_field() -> models.CharField:
    """The language of a channel account (a support address, a WhatsApp number): what its
    customers read until they name theirs (support.languages.contact_language_known)."""
    return models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=site_language,
        help_text=_(
            "What its customers read (automatic replies, rating prompts) until they name "
            "their own language."
        ),
    )
