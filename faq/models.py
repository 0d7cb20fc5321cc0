"""Help articles: categories, articles in English or Turkish, and "was this helpful?" votes.

An article's `body_html`, `search_title`, `search_keywords` and `search_text` are derived
columns: `faq.services.article_save` renders and sanitises the Markdown and folds the text
(`support.text.fold`) on every save. Nothing else writes them.
"""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from support.languages import language_code
from support.models import NamedInTwoLanguages


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    TURKISH = "tr", _("Turkish")


def language_of(value: str | None) -> str:
    """The help-centre language of a locale: "tr", "tr-TR", "TR" → "tr"; others → "en"."""
    return Language.TURKISH if language_code(value) == "tr" else Language.ENGLISH


class Category(NamedInTwoLanguages, models.Model):  # noqa: DJ008 - __str__ from NamedInTwoLanguages
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_tr = models.CharField(_("name (Turkish)"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    icon = models.CharField(
        _("icon"),
        max_length=32,
        blank=True,
        help_text=_("An icon name: user, bag, card, menu, bell or tool."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["order", "slug"]


class Article(models.Model):
    category = models.ForeignKey(
        Category, verbose_name=_("category"), related_name="articles", on_delete=models.PROTECT
    )
    topic = models.ForeignKey(
        "support.Topic",
        verbose_name=_("topic"),
        related_name="help_articles",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_("Suggested to visitors who pick this topic in the widget."),
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    title = models.CharField(_("title"), max_length=200)
    # Unique per language (constraint below), which also indexes look-ups.
    slug = models.SlugField(_("slug"), max_length=200, db_index=False)
    summary = models.CharField(
        _("summary"),
        max_length=300,
        blank=True,
        help_text=_("One or two sentences shown in lists and search results."),
    )
    body_markdown = models.TextField(
        _("body"),
        help_text=_(
            "Markdown: ## headings, - lists, 1. steps, **bold**, [links](https://…), tables."
        ),
    )
    body_html = models.TextField(editable=False, blank=True)
    keywords = models.CharField(
        _("keywords"),
        max_length=500,
        blank=True,
        help_text=_("Comma-separated words and phrases people type, in this language."),
    )
    is_published = models.BooleanField(_("published"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    helpful_yes_count = models.PositiveIntegerField(_("helpful"), default=0, editable=False)
    helpful_no_count = models.PositiveIntegerField(_("not helpful"), default=0, editable=False)
    # Folded (lower-case, accent-free) copies for search: title, keywords, and
    # title + keywords + body text. PostgreSQL weights them A, B and C.
    search_title = models.TextField(editable=False, blank=True)
    search_keywords = models.TextField(editable=False, blank=True)
    search_text = models.TextField(editable=False, blank=True)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["order", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["language", "slug"], name="faq_article_slug_unique_per_language"
            ),
        ]
        indexes = [
            models.Index(
                fields=["language", "order"],
                condition=Q(is_published=True),
                name="faq_article_published_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("faq:article", kwargs={"language": self.language, "slug": self.slug})


class ArticleFeedback(models.Model):
    """One "was this helpful?" answer. With a voter key, a second vote replaces the first."""

    article = models.ForeignKey(Article, related_name="feedback", on_delete=models.CASCADE)
    helpful = models.BooleanField(_("helpful"))
    # Who voted: a random browser cookie ("b:…") or a widget contact ("c:<id>"); blank when
    # unknown (then every vote counts).
    voter_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "voter_key"],
                condition=~Q(voter_key=""),
                name="faq_feedback_one_vote_per_voter",
            ),
        ]
        indexes = [
            # Rate limiting and "recent votes of this voter" look-ups.
            models.Index(fields=["voter_key", "updated_at"], name="faq_feedback_voter_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {'yes' if self.helpful else 'no'}"
