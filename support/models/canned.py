from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..languages import language_code
from .conversations import Conversation
from .owned import team_and_owner_fields

HEX_COLOUR_VALIDATOR = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", _("A colour is written like #1f7a4d (a # and six hex digits).")
)


class Label(models.Model):
    """A tag supervisors define and agents put on conversations (billing, bug, vip…)."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    colour = models.CharField(
        _("colour"), max_length=7, default="#64748b", validators=[HEX_COLOUR_VALIDATOR]
    )

    class Meta:
        verbose_name = _("label")
        verbose_name_plural = _("labels")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CannedResponse(models.Model):
    """A quick reply: shared with one team (managed by supervisors) or personal to its owner."""

    title = models.CharField(_("title"), max_length=120)
    shortcut = models.SlugField(
        _("shortcut"),
        max_length=40,
        help_text=_("Typed after / in the composer, e.g. refund-steps."),
    )
    body_en = models.TextField(_("text (English)"))
    body_tr = models.TextField(
        _("text (Turkish)"),
        blank=True,
        help_text=_("Used for Turkish-speaking visitors; the English text when empty."),
    )
    team, owner = team_and_owner_fields(related_name="canned_responses")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["shortcut", "pk"]
        constraints = [
            # Exactly one scope: a team's, or one agent's own.
            models.CheckConstraint(
                condition=Q(team__isnull=False, owner__isnull=True)
                | Q(team__isnull=True, owner__isnull=False),
                name="canned_response_team_xor_owner",
            ),
            models.UniqueConstraint(
                fields=["team", "shortcut"],
                condition=Q(team__isnull=False),
                name="canned_response_unique_shortcut_per_team",
            ),
            models.UniqueConstraint(
                fields=["owner", "shortcut"],
                condition=Q(owner__isnull=False),
                name="canned_response_unique_shortcut_per_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"/{self.shortcut} {self.title}"

    def body_for(self, language: str | None) -> str:
        if language_code(language) == "tr" and self.body_tr.strip():
            return self.body_tr
        return self.body_en


class Note(models.Model):
    """An internal note in a conversation: agents only, never the visitor.

    A model of its own, not a kind of chat Message: every visitor-facing read (widget API,
    socket resume, transcripts, previews, unread counts, first response, the bot) queries
    Message, so a note cannot reach a visitor by a forgotten filter.
    """

    conversation = models.ForeignKey(Conversation, related_name="notes", on_delete=models.CASCADE)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, related_name="+", on_delete=models.SET_NULL
    )
    body = models.TextField()
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    is_note = True

    class Meta:
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        indexes = [models.Index(fields=["conversation", "id"], name="note_conversation_id_idx")]

    def __str__(self) -> str:
        return self.body[:40]
