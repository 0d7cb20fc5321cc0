"""Every write to help articles and their feedback."""

from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from support import errors, ratelimits
from support.models import Topic
from support.text import fold

from . import markdown
from .models import Article, ArticleFeedback, Category

# One voter (browser or contact) may answer "was this helpful?" this often per hour.
FEEDBACK_VOTES_PER_HOUR = 60


def article_render(*, article: Article) -> Article:
    """Derive the HTML and the folded search columns from the article's own fields (no save)."""
    article.body_html = markdown.render(article.body_markdown)
    keywords = ", ".join(k.strip() for k in (article.keywords or "").split(",") if k.strip())
    article.keywords = keywords
    article.search_title = fold(article.title)
    article.search_keywords = fold(keywords.replace(",", " "))
    article.search_text = fold(
        "\n".join([article.title, keywords, markdown.html_to_text(article.body_html)])
    )
    return article


def article_save(
    *,
    article: Article | None = None,
    category: Category,
    language: str,
    title: str,
    body_markdown: str,
    slug: str = "",
    summary: str = "",
    keywords: str = "",
    topic: Topic | None = None,
    is_published: bool = False,
    order: int = 0,
) -> Article:
    """Create (no `article`) or update an article; always re-renders HTML and search text.

    Raises django.core.exceptions.ValidationError for invalid fields or a slug already used
    in that language.
    """
    article = article if article is not None else Article()
    article.category = category
    article.topic = topic
    article.language = language
    article.title = (title or "").strip()
    article.slug = (slug or "").strip() or slugify(fold(article.title))[:200]
    article.summary = (summary or "").strip()
    article.body_markdown = body_markdown or ""
    article.keywords = keywords or ""
    article.is_published = bool(is_published)
    article.order = order
    article_render(article=article)
    article.full_clean()
    article.save()
    return article


def article_search_rate_check(*, contact_id: int) -> None:
    """A widget's FAQ searches per contact (each one is a full-text query); RateLimited past
    DESTEK["FAQ_SEARCH_RATE_LIMIT"] per window."""
    ratelimits.rate_limit_enforce_setting(
        key=f"faq-search:{contact_id}",
        setting="FAQ_SEARCH",
        detail=_("Too many searches in a short time; wait a moment and try again."),
    )


def _count_field(helpful: bool) -> str:
    return "helpful_yes_count" if helpful else "helpful_no_count"


def article_feedback_record(*, article: Article, helpful: bool, voter_key: str = "") -> Article:
    """Record one answer to "was this helpful?" and keep the article's counts in step.

    With a voter key, voting again with the same answer changes nothing and a changed answer
    moves one count from one side to the other. Counts change by F() expressions, so
    concurrent votes never lose an update. Returns the article with fresh counts.
    """
    if not isinstance(helpful, bool):
        raise errors.InvalidInput(_("helpful must be true or false."), code="invalid_helpful")
    voter_key = (voter_key or "")[:64]
    articles = Article.objects.filter(pk=article.pk)
    with transaction.atomic():
        if voter_key:
            since = timezone.now() - timedelta(hours=1)
            recent = ArticleFeedback.objects.filter(voter_key=voter_key, updated_at__gte=since)
            if recent.count() >= FEEDBACK_VOTES_PER_HOUR:
                raise errors.RateLimited(_("Too many answers; try again later."))
            feedback, created = ArticleFeedback.objects.select_for_update().get_or_create(
                article=article, voter_key=voter_key, defaults={"helpful": helpful}
            )
            if not created:
                if feedback.helpful == helpful:
                    return article
                feedback.helpful = helpful
                feedback.save(update_fields=["helpful", "updated_at"])
                articles.update(
                    **{_count_field(helpful): F(_count_field(helpful)) + 1},
                    **{_count_field(not helpful): F(_count_field(not helpful)) - 1},
                )
                article.refresh_from_db(fields=["helpful_yes_count", "helpful_no_count"])
                return article
        else:
            ArticleFeedback.objects.create(article=article, helpful=helpful)
        articles.update(**{_count_field(helpful): F(_count_field(helpful)) + 1})
    article.refresh_from_db(fields=["helpful_yes_count", "helpful_no_count"])
    return article
