"""Article writes (rendering, search text) and "was this helpful?" counting."""

import pytest
from django.core.exceptions import ValidationError

from faq import services
from faq.models import Article, ArticleFeedback
from support import errors

from . import factories

pytestmark = pytest.mark.django_db


def test_save_renders_sanitised_html_and_folded_search_text():
    article = factories.article(
        language="tr",
        title="Şifre Sıfırlama",
        keywords=" şifre ,  PAROLA,, unuttum ",
        body="## Adımlar\n\n1. **Şifremi unuttum**'a dokunun <script>alert(1)</script>",
    )

    article.refresh_from_db()
    assert article.slug == "sifre-sifirlama"
    assert article.body_html.startswith("<h2>Adımlar</h2>")
    assert "<strong>Şifremi unuttum</strong>" in article.body_html
    assert "script" not in article.body_html
    assert article.keywords == "şifre, PAROLA, unuttum"
    assert article.search_title == "sifre sifirlama"
    assert article.search_keywords == "sifre  parola  unuttum"
    assert article.search_text.split() == [
        "sifre",
        "sifirlama",
        "sifre,",
        "parola,",
        "unuttum",
        "adimlar",
        "sifremi",
        "unuttum'a",
        "dokunun",
    ]


def test_body_html_is_regenerated_from_markdown_never_trusted():
    article = factories.article(body="First")
    article.body_html = "<script>alert(1)</script>"
    article.body_markdown = "Second"

    services.article_save(
        article=article,
        category=article.category,
        language="en",
        title=article.title,
        body_markdown="Second",
        slug=article.slug,
    )

    article.refresh_from_db()
    assert article.body_html == "<p>Second</p>\n"
    assert "second" in article.search_text


def test_update_keeps_the_row_and_reindexes():
    article = factories.article(title="Old title", body="old words")

    updated = services.article_save(
        article=article,
        category=article.category,
        language="en",
        title="New title",
        body_markdown="new words",
        slug=article.slug,
        is_published=True,
    )

    assert updated.pk == article.pk
    assert Article.objects.count() == 1
    assert "old" not in Article.objects.get().search_text


def test_slug_is_unique_per_language_only():
    category = factories.category()
    factories.article(category_obj=category, language="en", slug="qr-menu")
    factories.article(category_obj=category, language="tr", slug="qr-menu")

    with pytest.raises(ValidationError):
        factories.article(category_obj=category, language="en", slug="qr-menu")


def test_invalid_language_is_refused():
    with pytest.raises(ValidationError):
        factories.article(language="de")


# Feedback


def counts(article) -> tuple[int, int]:
    article.refresh_from_db()
    return article.helpful_yes_count, article.helpful_no_count


@pytest.mark.parametrize(
    "votes, expected_counts, rows",
    [
        pytest.param(
            [(True, "b:one"), (True, "b:two"), (False, "b:three")],
            (2, 1),
            3,
            id="different-voters-add-up",
        ),
        pytest.param([(True, "b:one"), (True, "b:one")], (1, 0), 1, id="same-answer-twice-once"),
    ],
)
def test_each_voters_answer_counts_once(votes, expected_counts, rows):
    article = factories.article()

    for helpful, voter_key in votes:
        services.article_feedback_record(article=article, helpful=helpful, voter_key=voter_key)

    assert counts(article) == expected_counts
    assert ArticleFeedback.objects.count() == rows


def test_a_changed_answer_moves_the_count():
    article = factories.article()
    services.article_feedback_record(article=article, helpful=True, voter_key="b:one")

    returned = services.article_feedback_record(article=article, helpful=False, voter_key="b:one")

    assert (returned.helpful_yes_count, returned.helpful_no_count) == (0, 1)
    assert counts(article) == (0, 1)
    assert ArticleFeedback.objects.get().helpful is False

    services.article_feedback_record(article=article, helpful=True, voter_key="b:one")
    assert counts(article) == (1, 0)


def test_votes_on_different_articles_are_separate():
    first, second = factories.article(), factories.article()

    services.article_feedback_record(article=first, helpful=True, voter_key="b:one")
    services.article_feedback_record(article=second, helpful=False, voter_key="b:one")

    assert counts(first) == (1, 0)
    assert counts(second) == (0, 1)


def test_anonymous_votes_all_count():
    article = factories.article()

    services.article_feedback_record(article=article, helpful=False, voter_key="")
    services.article_feedback_record(article=article, helpful=False, voter_key="")

    assert counts(article) == (0, 2)


def test_counts_survive_a_stale_article_object():
    article = factories.article()
    stale = Article.objects.get(pk=article.pk)
    services.article_feedback_record(article=article, helpful=True, voter_key="b:one")

    services.article_feedback_record(article=stale, helpful=True, voter_key="b:two")

    assert counts(article) == (2, 0)  # F() expressions, not read-modify-write


@pytest.mark.parametrize("value", ["yes", 1, None, "true"])
def test_helpful_must_be_a_boolean(value):
    with pytest.raises(errors.InvalidInput):
        services.article_feedback_record(
            article=factories.article(), helpful=value, voter_key="b:x"
        )


def test_one_voter_is_rate_limited(monkeypatch):
    monkeypatch.setattr(services, "FEEDBACK_VOTES_PER_HOUR", 2)
    first, second, third = (factories.article() for _ in range(3))
    services.article_feedback_record(article=first, helpful=True, voter_key="b:bot")
    services.article_feedback_record(article=second, helpful=True, voter_key="b:bot")

    with pytest.raises(errors.RateLimited):
        services.article_feedback_record(article=third, helpful=True, voter_key="b:bot")

    assert counts(third) == (0, 0)
