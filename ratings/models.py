from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

SCORE_MIN = 1
SCORE_MAX = 5
COMMENT_MAX_CHARS = 1000


class Rating(models.Model):
    """A visitor's satisfaction score for one resolution of a conversation (at most one each:
    a conversation reopened and resolved again may be rated again)."""

    conversation = models.ForeignKey(
        "support.Conversation",
        verbose_name=_("conversation"),
        related_name="ratings",
        on_delete=models.CASCADE,
    )
    # The resolution rated: the conversation's resolved_at when the rating was given.
    resolved_at = models.DateTimeField(_("resolution rated"))
    # Set while the rated resolution is the conversation's current one (`conversation.rating`,
    # what the widget, the console and the reports read); cleared when it reopens.
    current_for = models.OneToOneField(
        "support.Conversation",
        verbose_name=_("current rating of"),
        related_name="rating",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), max_length=COMMENT_MAX_CHARS, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=SCORE_MIN, score__lte=SCORE_MAX),
                name="rating_score_1_to_5",
            ),
            models.UniqueConstraint(
                fields=["conversation", "resolved_at"], name="rating_one_per_resolution"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score}★ #{self.conversation_id}"

    @property
    def stars(self) -> str:
        return "★" * self.score + "☆" * (SCORE_MAX - self.score)
