"""The widget's FAQ: `GET /api/widget/v1/faq` and the session's `faq` list."""

import json

import pytest

from faq.models import Article
from tests import factories as support_factories

from . import factories

pytestmark = pytest.mark.django_db

API = "/api/widget/v1/"


def visitor_token(**kwargs) -> str:
    return support_factories.visitor(**kwargs)[1]


def get_faq(client, token, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(API + "faq", params, **headers)


def test_needs_a_visitor_token(client):
    assert get_faq(client, None).status_code == 401
    response = get_faq(client, "not-a-token")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_only_get(client):
    response = client.post(
        API + "faq", "{}", content_type="application/json", HTTP_AUTHORIZATION="Bearer x"
    )
    assert response.status_code == 405


def test_search_results_shape_and_ranking(client, help_articles):
    response = get_faq(client, visitor_token(), q="şifremi unuttum", lang="tr")

    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0] == {
        "id": Article.objects.get(language="tr", slug="giris-yapamiyorum-sifre-sifirlama").pk,
        "title": "Giriş yapamıyorum: şifre sıfırlama",
        "snippet": results[0]["snippet"],
        "url": "http://testserver/help/tr/giris-yapamiyorum-sifre-sifirlama/",
    }
    assert "şifre" in results[0]["snippet"].lower()


def test_the_url_opens_the_article(client, help_articles):
    results = get_faq(client, visitor_token(), q="qr menu acilmiyor", lang="tr").json()["results"]

    page = client.get(results[0]["url"])

    assert page.status_code == 200
    assert "QR menü açılmıyor" in page.content.decode()


def test_language_defaults_to_the_contacts_locale(client, help_articles):
    token = visitor_token(locale="tr-TR")

    results = get_faq(client, token, q="qr").json()["results"]

    assert results[0]["url"].endswith("/help/tr/qr-menu-acilmiyor/")


def test_topic_filters_results(client, help_articles):
    token = visitor_token()
    everywhere = get_faq(client, token, q="settings", lang="en").json()["results"]
    in_topic = get_faq(client, token, q="settings", topic="account", lang="en").json()["results"]

    assert len(everywhere) > len(in_topic) > 0
    assert {r["url"].rsplit("/", 2)[1] for r in in_topic} <= {
        "cannot-sign-in-reset-password",
        "account-details-wrong",
    }


def test_empty_query_returns_the_top_articles_in_order(client, help_articles):
    results = get_faq(client, visitor_token(), lang="en").json()["results"]

    assert [r["title"] for r in results[:3]] == [
        "Can't sign in? Reset your password",
        "An order isn't showing up",
        "A card payment failed",
    ]
    assert len(results) == 10
    assert all(r["snippet"] for r in results)  # the summary


def test_query_over_200_characters_is_400(client):
    token = visitor_token()

    assert get_faq(client, token, q="x" * 200).status_code == 200
    response = get_faq(client, token, q="x" * 201)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "query_too_long"


def test_no_match_is_an_empty_list(client, help_articles):
    response = get_faq(client, visitor_token(), q="xyzzy plugh")

    assert response.json() == {"results": []}


def test_unpublished_articles_are_not_listed(client):
    factories.article(title="Draft zebra", is_published=False)

    assert get_faq(client, visitor_token(), q="zebra").json() == {"results": []}
    assert get_faq(client, visitor_token()).json() == {"results": []}


def test_search_takes_constant_queries(client, help_articles, django_assert_max_num_queries):
    token = visitor_token()
    get_faq(client, token, q="ödeme", lang="tr")  # creates the contact's search counter
    # contact by token (1), the search rate limit's counter (1), search (1)
    with django_assert_max_num_queries(3):
        get_faq(client, token, q="ödeme", lang="tr")


# The session's faq list


def open_session(client, **data):
    widget = support_factories.widget()
    response = client.post(
        API + "session",
        json.dumps({"widget_key": widget.key, **data}),
        content_type="application/json",
    )
    assert response.status_code == 200
    return response.json()


def test_session_lists_the_top_five_articles_in_the_contacts_language(client, help_articles):
    data = open_session(client, locale="tr")

    assert len(data["faq"]) == 5
    assert data["faq"][0] == {
        "id": Article.objects.get(language="tr", slug="giris-yapamiyorum-sifre-sifirlama").pk,
        "title": "Giriş yapamıyorum: şifre sıfırlama",
        "url": "http://testserver/help/tr/giris-yapamiyorum-sifre-sifirlama/",
    }
    assert all("/help/tr/" in item["url"] for item in data["faq"])


def test_session_faq_in_english_by_default(client, help_articles):
    data = open_session(client)

    assert data["faq"][0]["title"] == "Can't sign in? Reset your password"


def test_session_faq_is_empty_without_articles(client):
    assert open_session(client)["faq"] == []
