"""The widget's article reader: `GET faq/<id>` and `POST faq/<id>/feedback`."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from faq.models import Article, ArticleFeedback
from tests import factories
from tests.faq import factories as faq_factories

pytestmark = pytest.mark.django_db

API = "/api/widget/v1/"


def get_article(client, token, article_id):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(f"{API}faq/{article_id}", **headers)


def vote(client, token, article_id, body):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(
        f"{API}faq/{article_id}/feedback",
        body if isinstance(body, str) else json.dumps(body),
        content_type="application/json",
        **headers,
    )


@pytest.fixture
def token():
    return factories.visitor()[1]


@pytest.fixture
def article():
    return faq_factories.article(
        language="tr",
        title="Şifremi unuttum",
        body="## Adımlar\n\n1. **Şifremi unuttum**'a dokunun.\n2. [Yardım](https://example.com/x)",
        slug="sifremi-unuttum",
    )


def test_both_need_a_visitor_token(client, article):
    for token in (None, "not-a-token"):
        response = get_article(client, token, article.pk)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
        assert vote(client, token, article.pk, {"helpful": True}).status_code == 401
    assert not ArticleFeedback.objects.exists()


def test_a_revoked_token_is_refused(client, article):
    _contact, token = factories.visitor()
    response = client.post(
        f"{API}session/end", "{}", "application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 200

    assert get_article(client, token, article.pk).status_code == 401


def test_article_shape(client, token, article):
    response = get_article(client, token, article.pk)

    assert response.status_code == 200
    data = response.json()
    assert data == {
        "id": article.pk,
        "title": "Şifremi unuttum",
        "language": "tr",
        "body_html": article.body_html,
        "url": "http://testserver/help/tr/sifremi-unuttum/",
        "updated_at": article.updated_at.isoformat(),
    }
    assert "<h2>Adımlar</h2>" in data["body_html"]
    assert "<strong>Şifremi unuttum</strong>" in data["body_html"]
    # No tracking of how it was read: the counts are not part of the article.
    assert "helpful_yes" not in data


def test_unpublished_and_unknown_articles_are_not_found(client, token):
    draft = faq_factories.article(is_published=False)

    for article_id in (draft.pk, draft.pk + 1000):
        response = get_article(client, token, article_id)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
        response = vote(client, token, article_id, {"helpful": True})
        assert response.status_code == 404
    assert not ArticleFeedback.objects.exists()


def test_only_get_for_the_article_and_only_post_for_feedback(client, token, article):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.post(f"{API}faq/{article.pk}", "{}", "application/json", **auth).status_code == (
        405
    )
    assert client.get(f"{API}faq/{article.pk}/feedback", **auth).status_code == 405


def test_body_html_is_sanitised(client, token):
    article = faq_factories.article(
        body=(
            "Hello <script>alert('x')</script> **there**\n\n"
            '<img src="x" onerror="alert(1)"> <a href="javascript:alert(2)">bad</a> '
            '<iframe src="https://evil.example"></iframe> <b onclick="alert(3)">b</b>\n\n'
            "[fine](https://example.com/page)"
        )
    )

    html = get_article(client, token, article.pk).json()["body_html"]

    lowered = html.lower()
    for bad in ("<script", "alert(", "onerror", "onclick", "javascript:", "<iframe"):
        assert bad not in lowered
    assert "<strong>there</strong>" in html
    assert 'href="https://example.com/page"' in html


def test_feedback_counts_one_vote_per_contact_and_a_changed_vote_moves(client, article):
    contact, token = factories.visitor()
    _other, other_token = factories.visitor()

    first = vote(client, token, article.pk, {"helpful": True})
    assert first.status_code == 200
    assert first.json() == {"helpful_yes": 1, "helpful_no": 0}

    again = vote(client, token, article.pk, {"helpful": True})
    assert again.json() == {"helpful_yes": 1, "helpful_no": 0}

    changed = vote(client, token, article.pk, {"helpful": False})
    assert changed.json() == {"helpful_yes": 0, "helpful_no": 1}

    other = vote(client, other_token, article.pk, {"helpful": False})
    assert other.json() == {"helpful_yes": 0, "helpful_no": 2}

    article.refresh_from_db()
    assert (article.helpful_yes_count, article.helpful_no_count) == (0, 2)
    feedback = ArticleFeedback.objects.get(article=article, voter_key=f"contact:{contact.pk}")
    assert feedback.helpful is False
    assert ArticleFeedback.objects.filter(article=article).count() == 2


@pytest.mark.parametrize(
    "body",
    [{}, {"helpful": None}, {"helpful": "yes"}, {"helpful": 1}, {"helpful": [True]}, "[true]"],
)
def test_helpful_must_be_a_boolean(client, token, article, body):
    response = vote(client, token, article.pk, body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] in {"invalid_helpful", "invalid_json"}
    assert not ArticleFeedback.objects.exists()
    article.refresh_from_db()
    assert (article.helpful_yes_count, article.helpful_no_count) == (0, 0)


def test_invalid_json_is_400(client, token, article):
    response = vote(client, token, article.pk, "{not json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"


def count_queries(call):
    with CaptureQueriesContext(connection) as queries:
        response = call()
    return len(queries), response


def test_query_counts_are_bounded(client, token, article):
    # Long bodies and many other articles and votes change nothing.
    for n in range(5):
        faq_factories.article(title=f"Other {n}", body="text " * 500)
        vote(client, factories.visitor()[1], article.pk, {"helpful": n % 2 == 0})

    reads, response = count_queries(lambda: get_article(client, token, article.pk))
    assert response.status_code == 200
    assert reads <= 2  # the contact by its token, the article

    first, response = count_queries(lambda: vote(client, token, article.pk, {"helpful": True}))
    assert response.status_code == 200
    changed, response = count_queries(lambda: vote(client, token, article.pk, {"helpful": False}))
    assert response.json() == {"helpful_yes": 3, "helpful_no": 3}
    same, response = count_queries(lambda: vote(client, token, article.pk, {"helpful": False}))
    assert response.status_code == 200
    # contact, article, rate limit, the vote (get or create in a savepoint), counts
    assert max(first, changed, same) <= 12


def test_articles_are_not_per_contact(client, article):
    """Any visitor of any widget may read a published article: help is public."""
    other_widget = factories.widget()
    _contact, token = factories.visitor(widget_obj=other_widget)

    assert get_article(client, token, article.pk).json()["id"] == article.pk
    assert Article.objects.filter(pk=article.pk, is_published=True).exists()
