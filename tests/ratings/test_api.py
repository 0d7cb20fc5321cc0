"""`POST /api/widget/v1/conversations/<id>/rating` through Django's test client."""

import json
from datetime import timedelta

import pytest

from ratings.models import Rating
from tests import factories

pytestmark = pytest.mark.django_db

API = "/api/widget/v1/"


@pytest.fixture
def visitor():
    return factories.visitor()


def post(client, token, path, data):
    return client.post(
        API + path,
        data=json.dumps(data),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def resolved_for(contact):
    return factories.resolved_conversation(contact=contact, agent_user=factories.agent().user)


def test_rating_a_resolved_conversation(client, visitor):
    contact, token = visitor
    conversation = resolved_for(contact)
    response = post(
        client, token, f"conversations/{conversation.pk}/rating", {"score": 5, "comment": "Great"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"] == conversation.pk
    assert body["status"] == "resolved"
    rating = Rating.objects.get()
    assert body["rating"] == {
        "score": 5,
        "comment": "Great",
        "created_at": rating.created_at.isoformat(),
    }


def test_an_edit_within_the_window_is_200_and_after_it_409(client, visitor):
    contact, token = visitor
    conversation = resolved_for(contact)
    path = f"conversations/{conversation.pk}/rating"
    assert post(client, token, path, {"score": 2}).status_code == 201
    edited = post(client, token, path, {"score": 4, "comment": "Better"})
    assert edited.status_code == 200
    assert edited.json()["rating"]["score"] == 4
    Rating.objects.update(created_at=Rating.objects.get().created_at - timedelta(seconds=601))
    late = post(client, token, path, {"score": 1})
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "already_rated"
    assert Rating.objects.get().score == 4


@pytest.mark.parametrize("score", [0, 6, "5", True, None])
def test_a_bad_score_is_400(client, visitor, score):
    contact, token = visitor
    conversation = resolved_for(contact)
    response = post(client, token, f"conversations/{conversation.pk}/rating", {"score": score})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_score"


def test_an_open_conversation_is_409_not_resolved(client, visitor):
    contact, token = visitor
    conversation = factories.conversation(contact=contact)
    response = post(client, token, f"conversations/{conversation.pk}/rating", {"score": 3})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_resolved"


def test_another_visitors_conversation_is_404(client, visitor):
    _contact, token = visitor
    other = resolved_for(factories.visitor()[0])
    response = post(client, token, f"conversations/{other.pk}/rating", {"score": 3})
    assert response.status_code == 404
    assert not Rating.objects.exists()


def test_without_a_token_it_is_401(client, visitor):
    contact, _token = visitor
    conversation = resolved_for(contact)
    response = post(client, "nope", f"conversations/{conversation.pk}/rating", {"score": 3})
    assert response.status_code == 401


def test_a_rating_chip_is_a_message_on_a_resolved_conversation(client, visitor):
    contact, token = visitor
    conversation = resolved_for(contact)
    response = post(
        client,
        token,
        f"conversations/{conversation.pk}/messages",
        {"body": "★★★", "client_id": "chip-1", "action": {"type": "rating", "value": "3"}},
    )
    assert response.status_code == 201, response.content
    assert Rating.objects.get(conversation=conversation).score == 3
    plain = post(
        client, token, f"conversations/{conversation.pk}/messages", {"body": "hello again"}
    )
    assert plain.status_code == 409
    assert plain.json()["error"]["code"] == "conversation_resolved"
