"""Destek.setConversationContext through the widget API (docs/sdk.md): the order or table a
conversation is about, cleaned at the edge, stored on the conversation, shown to agents on
the inbox row and the header, and found by the console search and the REST API."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from console.presenters import inbox_row_html
from integrations.services import api_token_create
from support.models import Conversation
from tests import factories
from tests.chat.test_api import Api, error_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client):
    return Api(client)


def visitor_with_conversation(api):
    widget = factories.widget()
    token = api.session(widget_key=widget.key).json()["visitor_token"]
    conversation = api.start(token, body="Where is my order?").json()
    return token, conversation["id"]


def context_of(conversation_id) -> tuple[str, str]:
    conversation = Conversation.objects.get(pk=conversation_id)
    return conversation.context_order_id, conversation.context_table


def test_the_context_is_stored_on_the_visitors_conversation(api):
    token, conversation_id = visitor_with_conversation(api)
    response = api.post(
        f"conversations/{conversation_id}/context", {"order_id": "1042", "table": 12}, token=token
    )
    assert response.status_code == 200
    assert response.json() == {"context": {"order_id": "1042", "table": "12"}}
    assert context_of(conversation_id) == ("1042", "12")
    # The keys given change, the others stay; null clears one.
    response = api.post(f"conversations/{conversation_id}/context", {"table": None}, token=token)
    assert response.json() == {"context": {"order_id": "1042", "table": ""}}
    assert context_of(conversation_id) == ("1042", "")


def test_the_next_conversation_starts_with_it(api):
    widget = factories.widget()
    token = api.session(widget_key=widget.key).json()["visitor_token"]
    response = api.start(token, body="Hello", context={"order_id": " A-77 ", "table": "Garden 3"})
    assert response.status_code == 201
    assert context_of(response.json()["id"]) == ("A-77", "Garden 3")


@pytest.mark.parametrize(
    "context, detail",
    [
        ("1042", "The context must be an object"),
        ({"order": "1042"}, "Unknown context key order: use order_id or table."),
        ({"order_id": "x" * 65}, "order_id must be at most 64 characters."),
        ({"order_id": ["1042"]}, "order_id must be a string."),
        ({"table": True}, "table must be a string."),
        ({"order_id": "10\n42"}, "order_id must be one line of text."),
        ({"order_id": "10\u000042"}, "Text must be valid Unicode without NUL"),
    ],
)
def test_bad_context_is_a_clear_400_and_nothing_is_written(api, context, detail):
    token, conversation_id = visitor_with_conversation(api)
    response = api.post(f"conversations/{conversation_id}/context", context, token=token)
    assert response.status_code == 400
    # The endpoint's body is the context itself: not an object, not a body.
    body_detail = detail if isinstance(context, dict) else "The body must be a JSON object."
    assert response.json()["error"]["detail"].startswith(body_detail)
    assert context_of(conversation_id) == ("", "")
    # Starting a conversation with it starts nothing.
    before = Conversation.objects.count()
    started = api.start(token, body="Another", client_id="c-2", context=context)
    assert started.status_code == 400
    assert started.json()["error"]["detail"].startswith(detail)
    assert Conversation.objects.count() == before


def test_a_lone_surrogate_is_refused_as_invalid_text(api):
    token, conversation_id = visitor_with_conversation(api)
    raw = '{"order_id": "\\ud800"}'
    response = api.post(f"conversations/{conversation_id}/context", raw=raw, token=token)
    assert response.status_code == 400
    assert error_code(response) == "invalid_text"


def test_only_the_visitors_own_conversation(api):
    _token, conversation_id = visitor_with_conversation(api)
    other_token, _other = visitor_with_conversation(api)
    response = api.post(
        f"conversations/{conversation_id}/context", {"order_id": "1"}, token=other_token
    )
    assert response.status_code == 404
    assert (
        api.post(f"conversations/{conversation_id}/context", {"order_id": "1"}).status_code == 401
    )
    assert context_of(conversation_id) == ("", "")


def test_the_same_context_again_writes_nothing(api, django_assert_max_num_queries):
    token, conversation_id = visitor_with_conversation(api)
    path = f"conversations/{conversation_id}/context"
    api.post(path, {"order_id": "1042"}, token=token)
    # The visitor token, the conversation: no UPDATE.
    with django_assert_max_num_queries(3) as queries:
        assert api.post(path, {"order_id": "1042"}, token=token).status_code == 200
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]


def test_agents_see_it_on_the_row_and_header_and_find_it(api):
    token, conversation_id = visitor_with_conversation(api)
    api.post(
        f"conversations/{conversation_id}/context",
        {"order_id": "1042", "table": "12"},
        token=token,
    )
    conversation = Conversation.objects.get(pk=conversation_id)
    row = inbox_row_html(conversation)
    assert "Order 1042" in row and "Table 12" in row
    client = Client()
    client.force_login(factories.supervisor().user)
    page = client.get(reverse("console:conversation", args=[conversation_id])).content.decode()
    assert 'id="conversation-order"' in page and "Order 1042" in page
    inbox = client.get(reverse("console:inbox"), {"view": "all"}).content.decode()
    assert "Order 1042" in inbox or "conv-row" not in inbox  # rows may load lazily
    for query in ("1042", "#1042", "12"):
        found = client.get(reverse("console:search"), {"q": query}).content.decode()
        assert 'id="context-results"' in found, query
        assert f'href="{reverse("console:conversation", args=[conversation_id])}"' in found
    assert (
        'id="context-results"'
        not in client.get(reverse("console:search"), {"q": "1043"}).content.decode()
    )


def test_an_agent_finds_only_what_they_may_see(api):
    team, other = factories.team(), factories.team()
    factories.topic(slug="orders", team=team)
    widget = factories.widget()
    token = api.session(widget_key=widget.key).json()["visitor_token"]
    api.start(token, body="Hi", topic="orders", context={"order_id": "555"})
    outsider = factories.agent(teams=[other])
    client = Client()
    client.force_login(outsider.user)
    assert (
        'id="context-results"'
        not in client.get(reverse("console:search"), {"q": "555"}).content.decode()
    )


def test_the_rest_api_filters_and_shows_it(api):
    token, conversation_id = visitor_with_conversation(api)
    _other_token, _other_id = visitor_with_conversation(api)
    api.post(f"conversations/{conversation_id}/context", {"order_id": "1042"}, token=token)
    _token_row, secret = api_token_create(name="CRM", scope="read")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    page = client.get("/api/v1/conversations/", {"context": "1042"}).json()
    assert [c["id"] for c in page["results"]] == [conversation_id]
    assert page["results"][0]["context"] == {"order_id": "1042", "table": ""}
    assert client.get("/api/v1/conversations/", {"context": "9"}).json()["results"] == []
    api.post(f"conversations/{conversation_id}/context", {"table": "9"}, token=token)
    page = client.get("/api/v1/conversations/", {"context": "9"}).json()
    assert [c["id"] for c in page["results"]] == [conversation_id]
    detail = client.get(f"/api/v1/conversations/{conversation_id}/")
    assert json.loads(detail.content)["context"] == {"order_id": "1042", "table": "9"}


def test_a_visitor_cannot_churn_the_context(api, monkeypatch):
    from support import conversation_context

    monkeypatch.setattr(conversation_context, "CONTEXT_CHANGES_PER_WINDOW", 2)
    token, conversation_id = visitor_with_conversation(api)
    path = f"conversations/{conversation_id}/context"
    assert api.post(path, {"order_id": "1"}, token=token).status_code == 200
    assert api.post(path, {"order_id": "2"}, token=token).status_code == 200
    # The same again changes nothing and counts nothing.
    assert api.post(path, {"order_id": "2"}, token=token).status_code == 200
    refused = api.post(path, {"order_id": "3"}, token=token)
    assert refused.status_code == 429
    assert error_code(refused) == "rate_limited"
    assert int(refused["Retry-After"]) > 0
    assert context_of(conversation_id) == ("2", "")
