"""Help search with real queries over the real demo articles.

Runs on the configured database: SQLite by default (ranked in Python), PostgreSQL with
DATABASE_URL (full-text search over the GIN index): the same expectations hold on both.
"""

import re

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection

from faq import search, selectors
from faq.models import Article
from tests import factories as support_factories

from . import factories

pytestmark = pytest.mark.django_db


def slugs(hits) -> list[str]:
    return [hit.article.slug for hit in hits]


# What people type (with and without Turkish letters, inflected, in capitals) → the article
# that must come first.
REAL_QUERIES = [
    ("şifremi unuttum", "tr", "giris-yapamiyorum-sifre-sifirlama"),
    ("ŞİFREMİ UNUTTUM", "tr", "giris-yapamiyorum-sifre-sifirlama"),
    ("sifremi unuttum", "tr", "giris-yapamiyorum-sifre-sifirlama"),
    ("sifre", "tr", "giris-yapamiyorum-sifre-sifirlama"),
    ("şif", "tr", "giris-yapamiyorum-sifre-sifirlama"),  # as you type
    ("giriş yapamıyorum", "tr", "giris-yapamiyorum-sifre-sifirlama"),
    ("parolamı unuttum", "tr", "giris-yapamiyorum-sifre-sifirlama"),
    ("odeme basarisiz", "tr", "odeme-basarisiz"),
    ("ödeme başarısız oldu", "tr", "odeme-basarisiz"),
    ("kartım reddedildi", "tr", "odeme-basarisiz"),
    ("qr menu acilmiyor", "tr", "qr-menu-acilmiyor"),
    ("QR menü açılmıyor", "tr", "qr-menu-acilmiyor"),
    ("karekod okutunca açılmıyor", "tr", "qr-menu-acilmiyor"),
    ("siparişim görünmüyor", "tr", "siparis-gorunmuyor"),
    ("adisyon kapanmıyor", "tr", "adisyon-kapanmiyor"),
    ("masa kapanmıyor", "tr", "adisyon-kapanmiyor"),
    ("ürün ekleyemiyorum", "tr", "urun-ekleyemiyorum"),
    ("hesabım yanlış görünüyor", "tr", "hesap-bilgileri-yanlis"),
    ("bildirimler gelmiyor", "tr", "bildirim-gelmiyor"),
    ("uygulama dondu", "tr", "uygulama-dondu-hata-veriyor"),
    ("uygulama çöküyor", "tr", "uygulama-dondu-hata-veriyor"),
    ("faturalarım görünmüyor", "tr", "fatura-rapor-gorunmuyor"),
    ("gün sonu raporu", "tr", "fatura-rapor-gorunmuyor"),
    ("I forgot my password", "en", "cannot-sign-in-reset-password"),
    ("can't log in", "en", "cannot-sign-in-reset-password"),
    ("payment failed", "en", "payment-failed"),
    ("card declined", "en", "payment-failed"),
    ("order not showing", "en", "order-not-showing"),
    ("bill won't close", "en", "bill-will-not-close"),
    ("cannot add a product", "en", "cannot-add-product"),
    ("qr code menu not opening", "en", "qr-menu-will-not-open"),
    ("wrong account details", "en", "account-details-wrong"),
    ("no notifications", "en", "no-notifications"),
    ("app froze", "en", "app-froze-or-shows-error"),
    ("the app keeps crashing", "en", "app-froze-or-shows-error"),
    ("invoices missing", "en", "invoices-reports-missing"),
    ("end of day report", "en", "invoices-reports-missing"),
]


@pytest.mark.parametrize(("query", "language", "expected"), REAL_QUERIES)
def test_real_queries_rank_the_right_article_first(help_articles, query, language, expected):
    hits = selectors.article_search(query=query, language=language)

    assert slugs(hits)[:1] == [expected], slugs(hits)
    assert all(hit.article.language == language for hit in hits)


def test_password_article_beats_every_other_for_forgotten_password(help_articles):
    hits = selectors.article_search(query="şifremi unuttum", language="tr")

    assert hits[0].article.title == "Giriş yapamıyorum: şifre sıfırlama"
    assert all(hits[0].rank > hit.rank for hit in hits[1:])


def test_results_are_ranked_best_first(help_articles):
    hits = selectors.article_search(query="ödeme başarısız", language="tr")

    ranks = [hit.rank for hit in hits]
    assert ranks == sorted(ranks, reverse=True)
    assert len(hits) > 1  # other articles mention payments, below the payment article


def test_title_outranks_keywords_outranks_body():
    category = factories.category()
    body_only = factories.article(category_obj=category, title="Alpha", body="About zebra.")
    keyword = factories.article(category_obj=category, title="Beta", keywords="zebra")
    title = factories.article(category_obj=category, title="Zebra crossing")

    hits = selectors.article_search(query="zebra", language="en")

    assert [hit.article for hit in hits] == [title, keyword, body_only]


def test_more_matching_words_rank_higher():
    category = factories.category()
    one = factories.article(category_obj=category, title="Printer setup")
    both = factories.article(category_obj=category, title="Printer offline")

    hits = selectors.article_search(query="printer offline", language="en")

    assert [hit.article for hit in hits] == [both, one]


def test_falls_back_to_the_other_language_when_nothing_matches(help_articles):
    hits = selectors.article_search(query="password", language="tr")

    assert slugs(hits)[:1] == ["cannot-sign-in-reset-password"]
    assert hits[0].article.language == "en"


def test_does_not_mix_languages_when_the_requested_one_matches(help_articles):
    hits = selectors.article_search(query="qr", language="en")

    assert hits
    assert {hit.article.language for hit in hits} == {"en"}


def test_unpublished_articles_are_never_found():
    factories.article(title="Secret draft zebra", is_published=False)

    assert selectors.article_search(query="zebra", language="en") == []


def test_topic_narrows_the_search(help_articles):
    hits = selectors.article_search(query="ödeme", language="tr", topic_slug="payment")

    assert hits
    assert {hit.article.topic.slug for hit in hits} == {"payment"}
    assert selectors.article_search(query="ödeme", language="tr", topic_slug="nope") == []


def test_limit(help_articles):
    assert len(selectors.article_search(query="uygulama", language="tr", limit=2)) == 2


@pytest.mark.parametrize("query", ["", "   ", "!!!", "a", "? ! -- ;"])
def test_empty_or_meaningless_queries_find_nothing(help_articles, query):
    assert selectors.article_search(query=query, language="en") == []


@pytest.mark.parametrize(
    "query",
    [
        "şifre' | ! & :* (",
        "a:* | b <-> c",
        "\\x00 \x00 null",
        "sifre\u0000",
        "ölçü ÇĞİÖŞÜ",
        "😀 şifre",
        "x" * 300,
        "'); DROP TABLE faq_article; --",
    ],
)
def test_hostile_queries_are_safe(help_articles, query):
    selectors.article_search(query=query, language="tr")  # no database error


def test_snippet_shows_a_matching_passage(help_articles):
    hit = selectors.article_search(query="spam", language="en")[0]

    assert "spam" in hit.snippet
    assert len(hit.snippet) <= 170


def test_snippet_keeps_the_original_turkish_spelling(help_articles):
    hit = selectors.article_search(query="kilitlendi", language="tr")[0]

    assert "kilitlenir" in hit.snippet  # stem match, shown as written


def test_one_query_even_when_falling_back(help_articles, django_assert_num_queries):
    with django_assert_num_queries(1):
        selectors.article_search(query="şifremi unuttum", language="tr")
    with django_assert_num_queries(1):
        selectors.article_search(query="password", language="tr")
    with django_assert_num_queries(1):
        selectors.article_list_top(language="tr")


def test_suggestions_for_the_bot_use_relative_urls_and_relax_the_topic(help_articles):
    found = selectors.article_suggestions(
        query="şifremi unuttum", language="tr", topic_slug="payment", limit=3
    )

    assert found[0]["title"] == "Giriş yapamıyorum: şifre sıfırlama"
    assert found[0]["url"] == "/help/tr/giris-yapamiyorum-sifre-sifirlama/"
    assert set(found[0]) == {"id", "title", "snippet", "url"}


def test_suggestions_without_a_query_are_the_top_articles(help_articles):
    found = selectors.article_suggestions(query="", language="en", limit=3)

    assert [a["url"] for a in found] == [
        "/help/en/cannot-sign-in-reset-password/",
        "/help/en/order-not-showing/",
        "/help/en/payment-failed/",
    ]


def test_top_articles_follow_the_admin_order_and_fall_back_in_language():
    category = factories.category()
    second = factories.article(category_obj=category, order=2)
    first = factories.article(category_obj=category, order=1)
    factories.article(category_obj=category, order=0, is_published=False)

    assert selectors.article_list_top(language="en") == [first, second]
    assert selectors.article_list_top(language="tr") == [first, second]


def test_top_articles_of_a_topic():
    topic = support_factories.topic(slug="billing")
    mine = factories.article(topic=topic)
    factories.article()

    assert selectors.article_list_top(language="en", topic_slug="billing") == [mine]


# The pieces


def test_query_terms_fold_drop_stopwords_and_add_stems():
    terms = search.query_terms("Şifremi UNUTTUM ve  şifremi, QR!")

    assert [(t.word, t.stem) for t in terms] == [
        ("sifremi", "sifre"),
        ("unuttum", "unutt"),
        ("qr", ""),
    ]


def test_a_query_of_only_stopwords_still_searches():
    assert [t.word for t in search.query_terms("how do I")] == ["how", "do"]


def test_tsquery_holds_only_safe_characters():
    raw = search.tsquery(search.query_terms('şifre\' | ! & :* ( ) <-> \\ "x" ödeme;--'))

    assert raw == "(sifre:*) | (odeme:*)"
    assert re.fullmatch(r"[a-z0-9:*|() ]+", raw)


def test_query_terms_are_capped():
    assert len(search.query_terms(" ".join(f"word{n}" for n in range(50)))) == search.MAX_TERMS


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text index")
def test_postgresql_gin_index_serves_the_match(help_articles):
    query = SearchQuery(
        search.tsquery(search.query_terms("şifremi unuttum")), search_type="raw", config="simple"
    )
    matches = Article.objects.alias(document=selectors.search_vector()).filter(document=query)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = matches.explain()

    assert "faq_article_search_vector_idx" in plan
