"""The widget HTTP API, /api/widget/v1/ (docs/protocol.md), through Django's test client."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from support import services as support_services
from support.models import Contact, Conversation, Message
from tests import factories
from tests.chat.wire import CONVERSATION_KEYS, MESSAGE_KEYS

pytestmark = pytest.mark.django_db


API = "/api/widget/v1/"


@pytest.fixture
def api(client):
    return Api(client)


class Api:
    """The widget's side of the protocol: JSON bodies and the Bearer visitor token."""

    def __init__(self, client: Client):
        self.client = client

    def _auth(self, token):
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def post(self, path, data=None, *, token=None, raw=None):
        body = raw if raw is not None else ("" if data is None else json.dumps(data))
        return self.client.post(
            API + path, data=body, content_type="application/json", **self._auth(token)
        )

    def get(self, path, params=None, *, token=None):
        return self.client.get(API + path, params or {}, **self._auth(token))

    def session(self, **data):
        return self.post("session", data)

    def start(self, token, **data):
        return self.post("conversations", data, token=token)

    def send(self, token, conversation_id, **data):
        return self.post(f"conversations/{conversation_id}/messages", data, token=token)

    def messages(self, token, conversation_id, **params):
        return self.get(f"conversations/{conversation_id}/messages", params, token=token)


def error_code(response) -> str:
    payload = response.json()
    assert set(payload) == {"error"}
    assert set(payload["error"]) == {"code", "detail"}
    assert payload["error"]["detail"]
    return payload["error"]["code"]


def fresh(conversation) -> Conversation:
    return Conversation.objects.get(pk=conversation.pk)


# --- POST session --------------------------------------------------------------------------------


def test_session_returns_every_protocol_key(api):
    widget = factories.widget()
    factories.topic(slug="payment", name_en="Payment", description_en="Cards and refunds")

    response = api.session(widget_key=widget.key, contact={"name": "Ali"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert set(data) == {
        "visitor_token",
        "contact",
        "hours",
        "topics",
        "faq",
        "conversations",
        "email",
        "ws_url",
        "prechat",  # an addition: the pre-chat questions still to ask ([] without a form)
    }
    contact = Contact.objects.get()
    assert data["contact"] == {"id": contact.pk, "name": "Ali", "identified": False}
    assert set(data["hours"]) == {"open", "next_open_at", "message"}
    assert isinstance(data["hours"]["open"], bool)
    assert data["topics"] == [
        {
            "slug": "payment",
            "name": "Payment",
            "description": "Cards and refunds",
            "urgent_allowed": False,
            "open": True,
            "next_open_at": None,
        }
    ]
    assert data["faq"] == []
    assert data["conversations"] == []
    assert data["ws_url"].endswith("/ws/widget/")
    assert data["ws_url"].startswith(("ws://", "wss://"))
    assert isinstance(data["visitor_token"], str) and data["visitor_token"]


def test_session_lists_the_visitors_conversations_with_the_protocol_keys(api):
    widget = factories.widget()
    factories.topic(slug="payment")
    contact, token = factories.visitor(widget_obj=widget)
    conversation = factories.conversation(contact=contact, body="Refund?", topic_slug="payment")

    data = api.session(widget_key=widget.key, visitor_token=token).json()

    assert data["contact"]["id"] == contact.pk
    (summary,) = data["conversations"]
    assert set(summary) == {
        "id",
        "status",
        "topic",
        "last_message",
        "unread",
        "updated_at",
        # additions for the widget's history
        "created_at",
        "resolved_at",
        "reopen_until",
        "reopenable",
    }
    assert summary["id"] == conversation.pk
    assert summary["status"] == "queued"
    assert summary["topic"] == "payment"
    assert summary["last_message"] == "Refund?"
    assert summary["unread"] == 0
    assert summary["updated_at"] == fresh(conversation).last_message_at.isoformat()


def test_session_orders_conversations_by_newest_activity(api):
    widget = factories.widget()
    contact, token = factories.visitor(widget_obj=widget)
    older = factories.conversation(contact=contact)
    newer = factories.conversation(contact=contact)
    factories.message(conversation=older, body="bump")

    data = api.session(widget_key=widget.key, visitor_token=token).json()

    assert [c["id"] for c in data["conversations"]] == [older.pk, newer.pk]


def test_session_counts_unread_agent_messages_after_the_visitors_read_mark(api):
    widget = factories.widget()
    agent = factories.agent()
    contact, token = factories.visitor(widget_obj=widget)
    conversation = factories.conversation(contact=contact)
    first = factories.message(conversation=conversation, sender_type="agent", agent_user=agent.user)
    factories.message(conversation=conversation, sender_type="agent", agent_user=agent.user)
    factories.message(conversation=conversation, sender_type="agent", agent_user=agent.user)

    def unread():
        data = api.session(widget_key=widget.key, visitor_token=token).json()
        return data["conversations"][0]["unread"]

    assert unread() == 3
    support_services.conversation_mark_read(
        conversation=fresh(conversation), side="visitor", up_to=first.pk
    )
    assert unread() == 2
    factories.message(conversation=conversation, body="thanks")  # the visitor's own message
    assert unread() == 0


def test_session_names_topics_in_turkish_for_a_turkish_locale(api):
    widget = factories.widget()
    factories.topic(
        slug="payment",
        name_en="Payment",
        name_tr="Ödeme",
        description_en="Cards",
        description_tr="Kartlar",
    )

    turkish = api.session(widget_key=widget.key, locale="tr").json()
    english = api.session(widget_key=widget.key, locale="en").json()
    from_device = api.session(widget_key=widget.key, device={"locale": "tr-TR"}).json()

    always_open = {"urgent_allowed": False, "open": True, "next_open_at": None}
    assert turkish["topics"] == [
        {"slug": "payment", "name": "Ödeme", "description": "Kartlar", **always_open}
    ]
    assert english["topics"] == [
        {"slug": "payment", "name": "Payment", "description": "Cards", **always_open}
    ]
    assert from_device["topics"][0]["name"] == "Ödeme"


def test_session_lists_only_active_topics(api):
    widget = factories.widget()
    factories.topic(slug="live")
    factories.topic(slug="retired", is_active=False)

    data = api.session(widget_key=widget.key).json()

    assert [t["slug"] for t in data["topics"]] == ["live"]


def test_session_with_a_signed_identity_is_identified(api):
    widget = factories.widget()

    response = api.session(
        widget_key=widget.key, identity=factories.identity(widget_obj=widget, external_id="u-7")
    )

    assert response.status_code == 200
    assert response.json()["contact"]["identified"] is True
    assert Contact.objects.get().external_id == "u-7"


def test_session_with_a_bad_hash_is_403_identity_invalid_and_creates_nothing(api):
    widget = factories.widget()

    response = api.session(widget_key=widget.key, identity={"external_id": "u-7", "hash": "0" * 64})

    assert response.status_code == 403
    assert error_code(response) == "identity_invalid"
    assert "visitor_token" not in response.json()
    assert Contact.objects.count() == 0


def test_session_without_a_widget_key_is_400(api):
    response = api.session()

    assert response.status_code == 400
    assert error_code(response) == "widget_key_required"


def test_session_with_an_unknown_widget_key_is_404(api):
    response = api.session(widget_key="nope")

    assert response.status_code == 404
    assert error_code(response) == "widget_not_found"


def test_session_with_invalid_json_is_400_invalid_json(api):
    response = api.post("session", raw="{not json")

    assert response.status_code == 400
    assert error_code(response) == "invalid_json"


def test_session_with_a_json_array_body_is_400(api):
    widget = factories.widget()

    response = api.post("session", raw=json.dumps([{"widget_key": widget.key}]))

    assert response.status_code == 400
    assert error_code(response) == "invalid_json"
    assert Contact.objects.count() == 0


def test_session_with_bad_device_is_400(api):
    widget = factories.widget()

    response = api.session(widget_key=widget.key, device="iPhone")

    assert response.status_code == 400
    assert error_code(response) == "invalid_input"


def test_session_by_get_is_405(api):
    widget = factories.widget()

    response = api.get("session", {"widget_key": widget.key})

    assert response.status_code == 405
    assert Contact.objects.count() == 0


def test_session_needs_no_csrf_token():
    widget = factories.widget()
    client = Client(enforce_csrf_checks=True)

    response = Api(client).session(widget_key=widget.key)

    assert response.status_code == 200


def count_queries(call) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        result = call()
    return len(queries), result


def test_session_query_count_does_not_grow_with_conversations(api, django_assert_max_num_queries):
    widget = factories.widget()
    agent = factories.agent()
    factories.topic(slug="payment")
    contact, token = factories.visitor(widget_obj=widget)

    def add_conversations(count):
        for i in range(count):
            conversation = factories.conversation(
                contact=contact, topic_slug="payment" if i % 2 else None
            )
            factories.message(conversation=conversation, sender_type="agent", agent_user=agent.user)

    def open_session():
        return api.session(widget_key=widget.key, visitor_token=token)

    add_conversations(1)
    open_session()  # creates this address's session rate-limit counter
    with_one, response = count_queries(open_session)
    assert len(response.json()["conversations"]) == 1
    add_conversations(19)

    # rate-limit counter, widget, contact, savepoint + update + release, topics, top help
    # articles, conversations with unread counts, is anyone online (the email offer)
    with django_assert_max_num_queries(10):
        response = open_session()

    assert response.status_code == 200
    assert len(response.json()["conversations"]) == 20
    assert {c["unread"] for c in response.json()["conversations"]} == {1}
    with_twenty, _ = count_queries(open_session)
    assert with_twenty == with_one


# --- POST conversations --------------------------------------------------------------------------


def test_starting_a_conversation_is_201_with_its_messages(api):
    _, token = factories.visitor()

    response = api.start(token, body="My order is late", client_id="first-1")

    assert response.status_code == 201
    data = response.json()
    assert set(data) == CONVERSATION_KEYS | {"messages", "has_more"}
    assert data["status"] == "queued"
    assert data["priority"] == "normal"
    assert data["assignee"] is None
    assert data["rating"] is None
    assert data["has_more"] is False
    (message,) = data["messages"]
    assert set(message) == MESSAGE_KEYS
    assert message["body"] == "My order is late"
    assert message["client_id"] == "first-1"
    assert message["conversation"] == data["id"]
    assert message["sender"] == {"type": "visitor", "name": "", "avatar_url": None}


def test_starting_again_with_the_same_client_id_is_200_with_the_same_conversation(api):
    _, token = factories.visitor()
    first = api.start(token, body="Help", client_id="first-1").json()

    response = api.start(token, body="Help", client_id="first-1")

    assert response.status_code == 200
    assert response.json()["id"] == first["id"]
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 1


def test_starting_with_a_topic_and_urgency(api):
    team = factories.team()
    factories.topic(slug="payment", team=team, allow_urgent=True)
    _, token = factories.visitor()

    data = api.start(token, body="Charged twice", topic="payment", priority_hint="urgent").json()

    assert data["topic"] == "payment"
    assert data["priority"] == "urgent"
    assert Conversation.objects.get(pk=data["id"]).team_id == team.pk


def test_starting_with_an_unknown_topic_is_400_and_creates_nothing(api):
    _, token = factories.visitor()

    response = api.start(token, body="Help", topic="nope")

    assert response.status_code == 400
    assert error_code(response) == "topic_not_found"
    assert Conversation.objects.count() == 0


def test_starting_without_a_token_is_401(api):
    response = api.start(None, body="Help")

    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"
    assert Conversation.objects.count() == 0


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-token", "Bearer ", "Token abc", "bearer abc"],
)
def test_starting_with_a_bad_token_is_401(client, header):
    factories.visitor()

    response = client.post(
        API + "conversations",
        data=json.dumps({"body": "Help"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=header,
    )

    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"
    assert Conversation.objects.count() == 0


# --- GET conversations/<id>/messages -------------------------------------------------------------


def conversation_with(count: int, *, contact=None) -> tuple[Conversation, list[Message]]:
    conversation = factories.conversation(contact=contact, body="message 0")
    for i in range(1, count):
        factories.message(conversation=conversation, body=f"message {i}")
    return conversation, list(conversation.messages.order_by("id"))


def test_messages_after_an_id_are_exactly_the_newer_ones_oldest_first(api):
    contact, token = factories.visitor()
    conversation, messages = conversation_with(10, contact=contact)

    response = api.messages(token, conversation.pk, after=messages[3].pk, limit=4)

    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"messages", "has_more"}
    assert [m["id"] for m in data["messages"]] == [m.pk for m in messages[4:8]]
    assert data["has_more"] is True
    for payload in data["messages"]:
        assert set(payload) == MESSAGE_KEYS


def test_the_last_page_has_no_more(api):
    contact, token = factories.visitor()
    conversation, messages = conversation_with(10, contact=contact)

    exact = api.messages(token, conversation.pk, after=messages[5].pk, limit=4).json()
    short = api.messages(token, conversation.pk, after=messages[7].pk, limit=4).json()
    none = api.messages(token, conversation.pk, after=messages[-1].pk).json()
    everything = api.messages(token, conversation.pk).json()

    assert [m["id"] for m in exact["messages"]] == [m.pk for m in messages[6:]]
    assert exact["has_more"] is False
    assert [m["id"] for m in short["messages"]] == [m.pk for m in messages[8:]]
    assert short["has_more"] is False
    assert none == {"messages": [], "has_more": False}
    assert [m["id"] for m in everything["messages"]] == [m.pk for m in messages]


def test_messages_never_include_another_conversations_messages(api):
    contact, token = factories.visitor()
    conversation, messages = conversation_with(3, contact=contact)
    other, _ = conversation_with(3, contact=contact)

    data = api.messages(token, conversation.pk).json()

    assert {m["conversation"] for m in data["messages"]} == {conversation.pk}
    assert [m["id"] for m in data["messages"]] == [m.pk for m in messages]
    assert other.pk != conversation.pk


@pytest.mark.parametrize(
    "params",
    [
        {"after": "abc"},
        {"after": "-1"},
        {"after": "1.5"},
        {"limit": "0"},
        {"limit": "501"},
        {"limit": "-3"},
        {"limit": "many"},
    ],
)
def test_bad_after_or_limit_is_400(api, params):
    contact, token = factories.visitor()
    conversation, _ = conversation_with(2, contact=contact)

    response = api.messages(token, conversation.pk, **params)

    assert response.status_code == 400
    assert error_code(response) == "invalid_input"


def test_out_of_range_ids_are_handled_not_crashed(api):
    contact, token = factories.visitor()
    conversation, _ = conversation_with(2, contact=contact)
    huge = 10**25

    beyond = api.messages(token, conversation.pk, after=huge)
    missing = api.messages(token, huge)
    too_many = api.messages(token, conversation.pk, limit=huge)

    assert beyond.status_code == 200
    assert beyond.json() == {"messages": [], "has_more": False}
    assert missing.status_code == 404
    assert too_many.status_code == 400


def test_another_visitors_conversation_is_404_never_403_never_data(api):
    _, token = factories.visitor()
    theirs, _ = conversation_with(3)

    responses = [
        api.messages(token, theirs.pk),
        api.send(token, theirs.pk, body="sneaky", client_id="x"),
        api.post(f"conversations/{theirs.pk}/reopen", token=token),
        api.messages(token, 999999),
    ]

    for response in responses:
        assert response.status_code == 404
        assert error_code(response) == "not_found"
        assert "messages" not in response.json()
    assert not Message.objects.filter(body="sneaky").exists()


def test_messages_without_a_token_is_401(api):
    contact, _ = factories.visitor()
    conversation, _ = conversation_with(1, contact=contact)

    response = api.messages(None, conversation.pk)

    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"


def test_messages_list_query_count_does_not_grow_with_messages(api, django_assert_max_num_queries):
    agents = [factories.agent(), factories.agent(display_name="Named")]
    contact, token = factories.visitor()
    conversation = factories.conversation(contact=contact)

    def list_messages():
        return api.messages(token, conversation.pk, limit=100)

    with_one, _ = count_queries(list_messages)
    for i in range(99):
        if i % 3:
            factories.message(conversation=conversation, body=f"visitor {i}")
        else:
            factories.message(
                conversation=conversation,
                sender_type="agent",
                agent_user=agents[i % 2].user,
                body=f"agent {i}",
            )

    # contact by token, conversation, messages with their agents, their attachments
    with django_assert_max_num_queries(4):
        response = list_messages()

    data = response.json()
    assert len(data["messages"]) == 100
    assert data["has_more"] is False
    assert {m["sender"]["name"] for m in data["messages"] if m["sender"]["type"] == "agent"} == {
        agents[0].name,
        "Named",
    }
    with_hundred, _ = count_queries(list_messages)
    assert with_hundred == with_one


# --- POST conversations/<id>/messages ------------------------------------------------------------


def test_sending_is_201_then_200_with_the_same_message_for_the_same_client_id(api):
    contact, token = factories.visitor()
    conversation = factories.conversation(contact=contact)

    first = api.send(token, conversation.pk, body="Is anyone there?", client_id="c-1")
    again = api.send(token, conversation.pk, body="Is anyone there?", client_id="c-1")

    assert first.status_code == 201
    assert again.status_code == 200
    assert set(first.json()) == MESSAGE_KEYS
    assert again.json() == first.json()
    assert conversation.messages.filter(client_id="c-1").count() == 1


def test_a_known_client_id_with_another_body_is_409_client_id_reused_and_stores_nothing(api):
    # As a payment API treats a reused idempotency key: never the old message as if the new
    # text had been stored.
    contact, token = factories.visitor()
    conversation = factories.conversation(contact=contact)
    api.send(token, conversation.pk, body="Is anyone there?", client_id="c-1")

    refused = api.send(token, conversation.pk, body="Hello??", client_id="c-1")
    started = api.start(token, body="Another start", client_id="c-1")

    assert refused.status_code == 409
    assert error_code(refused) == "client_id_reused"
    assert (started.status_code, error_code(started)) == (409, "client_id_reused")
    assert list(conversation.messages.filter(client_id="c-1").values_list("body", flat=True)) == [
        "Is anyone there?"
    ]
    assert not Message.objects.filter(body__in=["Hello??", "Another start"]).exists()


@pytest.mark.parametrize(
    "make_conversation, body, status, code",
    [
        pytest.param(factories.conversation, "x" * 4001, 400, "body_too_long", id="too-long"),
        pytest.param(factories.conversation, "   ", 400, "empty_message", id="empty"),
        pytest.param(
            factories.resolved_conversation, "hello?", 409, "conversation_resolved", id="resolved"
        ),
    ],
)
def test_a_refused_send_says_why_and_stores_nothing(api, make_conversation, body, status, code):
    contact, token = factories.visitor()
    conversation = make_conversation(contact=contact)
    count = Message.objects.count()

    response = api.send(token, conversation.pk, body=body, client_id="c-1")

    assert response.status_code == status
    assert error_code(response) == code
    assert Message.objects.count() == count


def test_sending_an_unknown_attachment_id_is_400_and_stores_nothing(api):
    contact, token = factories.visitor()
    conversation = factories.conversation(contact=contact)
    count = Message.objects.count()

    response = api.send(token, conversation.pk, body="see file", client_id="c-1", attachments=[5])
    empty = api.send(token, conversation.pk, body="no files", client_id="c-2", attachments=[])

    assert response.status_code == 400
    assert error_code(response) == "invalid_attachments"
    assert empty.status_code == 201
    assert Message.objects.count() == count + 1


# --- POST conversations/<id>/reopen --------------------------------------------------------------


def test_reopening_within_the_window_is_200(api):
    contact, token = factories.visitor()
    conversation = factories.resolved_conversation(contact=contact)

    response = api.post(f"conversations/{conversation.pk}/reopen", token=token)

    assert response.status_code == 200
    data = response.json()
    assert set(data) == CONVERSATION_KEYS
    assert data["id"] == conversation.pk
    assert data["status"] == "queued"
    assert data["resolved_at"] is None
    assert fresh(conversation).status == Conversation.Status.QUEUED


def test_reopening_after_the_window_is_409(api):
    contact, token = factories.visitor()
    conversation = factories.resolved_conversation(contact=contact)
    Conversation.objects.filter(pk=conversation.pk).update(
        resolved_at=timezone.now() - timedelta(days=30)
    )

    response = api.post(f"conversations/{conversation.pk}/reopen", token=token)

    assert response.status_code == 409
    assert error_code(response) == "reopen_window_passed"
    assert fresh(conversation).status == Conversation.Status.RESOLVED


def test_reopening_a_conversation_that_is_not_resolved_is_409(api):
    contact, token = factories.visitor()
    conversation = factories.conversation(contact=contact)

    response = api.post(f"conversations/{conversation.pk}/reopen", token=token)

    assert response.status_code == 409
    assert error_code(response) == "not_resolved"


# --- POST session/end ----------------------------------------------------------------------------


def test_ending_the_session_makes_the_old_token_401(api):
    contact, token = factories.visitor()
    conversation = factories.conversation(contact=contact)
    assert api.messages(token, conversation.pk).status_code == 200

    response = api.post("session/end", token=token)

    assert response.status_code == 200
    after = api.messages(token, conversation.pk)
    assert after.status_code == 401
    assert error_code(after) == "not_authenticated"
    assert api.post("session/end", token=token).status_code == 401


def test_ending_the_session_needs_a_token(api):
    response = api.post("session/end")

    assert response.status_code == 401
