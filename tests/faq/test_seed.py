"""The demo help content: ten common problems, in English and Turkish, ready to use."""

import pytest
from django.core.management import call_command

from faq.markdown import html_to_text
from faq.models import Article, Category
from tests import factories

pytestmark = pytest.mark.django_db


def test_ten_problems_in_both_languages(help_articles):
    assert len(help_articles) == 20
    assert Article.objects.filter(language="en", is_published=True).count() == 10
    assert Article.objects.filter(language="tr", is_published=True).count() == 10
    assert Category.objects.count() == 5


def test_every_article_is_a_real_help_article(help_articles):
    for article in Article.objects.all():
        words = len(html_to_text(article.body_html).split())
        assert 80 <= words <= 200, (article.slug, words)
        assert "<ol>" in article.body_html or "<ul>" in article.body_html, article.slug
        assert article.summary and article.keywords
        assert article.topic is not None, article.slug
        # One line per paragraph or list item, as an editor would type it in the admin.
        assert not any(line.startswith(" ") for line in article.body_markdown.splitlines())


def test_articles_are_linked_to_the_demo_topics(help_articles):
    topics = dict(Article.objects.values_list("slug", "topic__slug"))

    assert topics["cannot-sign-in-reset-password"] == "account"
    assert topics["odeme-basarisiz"] == "payment"
    assert topics["adisyon-kapanmiyor"] == "order"
    assert topics["qr-menu-acilmiyor"] == "technical"


def test_keywords_hold_the_typical_phrasings(help_articles):
    tr = Article.objects.get(language="tr", slug="giris-yapamiyorum-sifre-sifirlama")
    en = Article.objects.get(language="en", slug="cannot-sign-in-reset-password")

    for word in ("şifre", "parola", "giriş", "unuttum", "sıfırla"):
        assert word in tr.keywords
    for word in ("password", "login", "sign in", "forgot", "reset"):
        assert word in en.keywords


def test_seeding_again_updates_in_place(help_articles):
    Article.objects.filter(slug="payment-failed").update(title="Changed", is_published=False)
    ids = set(Article.objects.values_list("pk", flat=True))

    call_command("seed_help", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert set(Article.objects.values_list("pk", flat=True)) == ids
    article = Article.objects.get(slug="payment-failed")
    assert article.title == "A card payment failed"
    assert article.is_published


def test_seed_demo_loads_the_cafes_own_help_articles(settings):
    settings.DESTEK = {**settings.DESTEK, "DEMO": True}
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    published = Article.objects.filter(is_published=True)
    assert published.count() == 10  # five café questions, in English and Turkish
    assert set(published.values_list("category__slug", flat=True)) == {
        "cafe-menu",
        "cafe-orders",
        "cafe-paying",
        "cafe-loyalty",
    }
    assert not Article.objects.filter(topic__isnull=True).exists()


def test_every_cafe_article_is_a_real_help_article():
    from faq.seed import seed_cafe_articles

    for slug in ("order", "menu", "payment", "account"):
        factories.topic(slug=slug)
    for article in seed_cafe_articles():
        words = len(html_to_text(article.body_html).split())
        assert 60 <= words <= 200, (article.slug, words)
        assert "<ol>" in article.body_html and "<ul>" in article.body_html, article.slug
        assert article.summary and article.keywords and article.topic is not None


def test_every_article_file_reads_as_an_english_and_a_turkish_article():
    from faq.seed import problems_read

    for name, count in (("help", 10), ("cafe", 5)):
        problems = problems_read(name)
        assert len(problems) == count
        for problem in problems:
            assert problem.en.slug != problem.tr.slug
            assert problem.en.body.endswith("\n") and "=== " not in problem.en.body


def test_an_article_file_without_its_turkish_half_is_refused_by_name(tmp_path):
    from faq.seed import problem_read

    path = tmp_path / "01-broken.md"
    path.write_text("category: app\ntopic: app\n\n=== en\nslug: x\ntitle: X\n\nBody\n")
    with pytest.raises(ValueError, match=r"01-broken\.md"):
        problem_read(path)
