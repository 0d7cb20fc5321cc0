"""The public help centre at /help/: pages, languages, feedback and query counts."""

import pytest
from django.test import Client
from django.urls import reverse

from faq.models import Article, ArticleFeedback
from faq.views import VOTER_COOKIE

from . import factories

pytestmark = pytest.mark.django_db


def article_url(language, slug):
    return reverse("faq:article", kwargs={"language": language, "slug": slug})


def test_index_lists_categories_with_counts_and_popular_articles(client, help_articles):
    response = client.get("/help/?lang=en")

    assert response.status_code == 200
    html = response.content.decode()
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in html
    assert "Account &amp; sign-in" in html
    assert "2 articles" in html
    assert "Can&#x27;t sign in? Reset your password" in html
    assert "Giriş" not in html  # no Turkish articles on the English page


def test_index_in_turkish_by_parameter_or_browser_language(client, help_articles):
    by_parameter = client.get("/help/?lang=tr")
    by_browser = client.get("/help/", HTTP_ACCEPT_LANGUAGE="tr-TR,tr;q=0.9")

    for response in (by_parameter, by_browser):
        assert response.status_code == 200
        assert response["Content-Language"] == "tr"
        assert "Hesap ve giriş" in response.content.decode()
        assert "Giriş yapamıyorum: şifre sıfırlama" in response.content.decode()


def test_index_without_articles(client):
    response = client.get("/help/")

    assert response.status_code == 200
    assert "There are no help articles yet." in response.content.decode()


def test_category_page_lists_its_published_articles(client, help_articles):
    Article.objects.filter(slug="bill-will-not-close").update(is_published=False)

    response = client.get("/help/category/orders/?lang=en")

    html = response.content.decode()
    assert response.status_code == 200
    assert "An order isn&#x27;t showing up" in html
    assert "A bill won&#x27;t close" not in html
    assert "Siparişim" not in html


def test_unknown_category_is_404(client):
    response = client.get("/help/category/nope/")

    assert response.status_code == 404
    assert "We couldn't find that page" in response.content.decode()


def test_article_page_renders_sanitised_body_feedback_form_and_related(client, help_articles):
    response = client.get(article_url("tr", "giris-yapamiyorum-sifre-sifirlama"))

    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == "tr"
    assert '<h1 class="page-title">Giriş yapamıyorum: şifre sıfırlama</h1>' in html
    assert "<h2>Şifrenizi sıfırlayın</h2>" in html
    assert "<strong>Şifremi unuttum</strong>" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="helpful" value="yes"' in html and 'name="helpful" value="no"' in html
    # Related: the other article of the account topic, in the same language.
    assert article_url("tr", "hesap-bilgileri-yanlis") in html
    assert article_url("en", "account-details-wrong") not in html


def test_article_body_cannot_inject_script(client):
    article = factories.article(body='Hi <script>alert("x")</script><img src=x onerror=alert(1)>')

    html = client.get(article.get_absolute_url()).content.decode()

    assert "alert" not in html
    assert "onerror" not in html


def test_unpublished_or_missing_articles_are_404(client):
    draft = factories.article(is_published=False)

    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(article_url("en", "no-such-article")).status_code == 404
    assert client.get(f"/help/tr/{draft.slug}/").status_code == 404  # other language
    assert client.get(f"/help/de/{draft.slug}/").status_code == 404  # not a language


def test_search_page_ranks_results(client, help_articles):
    response = client.get("/help/search", {"q": "şifremi unuttum", "lang": "tr"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Giriş yapamıyorum: şifre sıfırlama" in html
    assert html.index(article_url("tr", "giris-yapamiyorum-sifre-sifirlama")) > 0
    assert 'value="şifremi unuttum"' in html


def test_search_page_says_when_results_are_in_the_other_language(client, help_articles):
    response = client.get("/help/search", {"q": "şifremi unuttum", "lang": "en"})

    html = response.content.decode()
    assert article_url("tr", "giris-yapamiyorum-sifre-sifirlama") in html
    assert "these articles are in the other language" in html


def test_search_page_with_no_query_or_no_results(client, help_articles):
    assert client.get("/help/search").status_code == 200
    response = client.get("/help/search", {"q": "xyzzy"})
    assert "No results for “xyzzy”" in response.content.decode()


def test_search_query_is_escaped(client, help_articles):
    response = client.get("/help/search", {"q": "<script>x</script>"})

    assert "<script>x" not in response.content.decode()


def test_long_queries_are_cut_not_refused(client, help_articles):
    response = client.get("/help/search", {"q": "şifre " * 100})

    assert response.status_code == 200


def test_every_page_links_to_the_other_language(client, help_articles):
    html = client.get("/help/search", {"q": "qr", "lang": "en"}).content.decode()

    assert 'href="/help/search?lang=tr&amp;q=qr"' in html


# "Was this helpful?"


def feedback_url(article):
    return reverse(
        "faq:article_feedback", kwargs={"language": article.language, "slug": article.slug}
    )


def counts(article):
    article.refresh_from_db()
    return article.helpful_yes_count, article.helpful_no_count


def test_yes_is_counted_and_shows_thanks(client):
    article = factories.article()

    response = client.post(feedback_url(article), {"helpful": "yes"})

    assert response.status_code == 302
    assert response["Location"] == f"{article.get_absolute_url()}?voted=yes#feedback"
    assert counts(article) == (1, 0)
    assert response.cookies[VOTER_COOKIE]["httponly"]
    thanks = client.get(response["Location"]).content.decode()
    assert "Thanks! Glad it helped." in thanks
    assert 'name="helpful"' not in thanks


def test_no_is_counted(client):
    article = factories.article()

    client.post(feedback_url(article), {"helpful": "no"})

    assert counts(article) == (0, 1)


def test_the_same_browser_changing_its_answer_moves_the_count(client):
    article = factories.article()

    client.post(feedback_url(article), {"helpful": "yes"})
    client.post(feedback_url(article), {"helpful": "yes"})
    client.post(feedback_url(article), {"helpful": "no"})

    assert counts(article) == (0, 1)
    assert ArticleFeedback.objects.count() == 1


def test_different_browsers_count_separately():
    article = factories.article()

    Client().post(feedback_url(article), {"helpful": "yes"})
    Client().post(feedback_url(article), {"helpful": "yes"})

    assert counts(article) == (2, 0)


@pytest.mark.parametrize("data", [{}, {"helpful": "maybe"}, {"helpful": ""}, {"helpful": "1"}])
def test_invalid_answers_are_400(client, data):
    article = factories.article()

    response = client.post(feedback_url(article), data)

    assert response.status_code == 400
    assert counts(article) == (0, 0)


def test_feedback_needs_post_and_a_csrf_token():
    article = factories.article()

    assert Client().get(feedback_url(article)).status_code == 405
    response = Client(enforce_csrf_checks=True).post(feedback_url(article), {"helpful": "yes"})
    assert response.status_code == 403
    assert counts(article) == (0, 0)


def test_feedback_on_an_unpublished_article_is_404(client):
    article = factories.article(is_published=False)

    assert client.post(feedback_url(article), {"helpful": "yes"}).status_code == 404


# Speed: pages take a constant, small number of queries


def add_articles(count, *, category_obj, topic=None):
    for _ in range(count):
        factories.article(category_obj=category_obj, topic=topic, body="About zebras.")


@pytest.mark.parametrize(
    ("path", "max_queries"),
    [
        ("/help/", 2),  # categories with counts, top articles
        ("/help/category/{category}/", 2),  # category, its articles
        ("/help/en/{article}/", 2),  # article with category and topic, related
        ("/help/search?q=zebra", 1),  # search, in either language
        ("/help/search?q=zebra&lang=tr", 1),  # nothing in Turkish: English, same query
    ],
)
def test_query_counts_do_not_grow_with_articles(
    client, django_assert_max_num_queries, path, max_queries
):
    from tests import factories as support_factories

    topic = support_factories.topic()
    category = factories.category()
    first = factories.article(category_obj=category, topic=topic, title="Zebra first")
    add_articles(3, category_obj=category, topic=topic)
    url = path.format(category=category.slug, article=first.slug)
    with django_assert_max_num_queries(max_queries):
        assert client.get(url).status_code == 200

    add_articles(30, category_obj=category, topic=topic)
    for _ in range(5):
        factories.category()

    with django_assert_max_num_queries(max_queries):
        assert client.get(url).status_code == 200
