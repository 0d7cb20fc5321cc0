"""The visitor's history over the widget API: GET conversations (newest first, unread counts,
paged), the reopen window in every conversation, and reopening from the history."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from support import services as support_services
from support.models import Conversation, Message
from tests import factories

pytestmark = pytest.mark.django_db
API = "/api/widget/v1/"


def get(token, path, **params):
    return Client().get(API + path, params, HTTP_AUTHORIZATION=f"Bearer {token}")


def post(token, path):
    return Client().post(
        API + path, data="{}", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def test_history_lists_the_visitors_conversations_newest_first_with_unread_counts(
    django_assert_max_num_queries,
):
    contact, token = factories.visitor()
    agent = factories.agent()
    old = factories.conversation(contact=contact, body="old question")
    factories.message(conversation=old, sender_type="agent", body="a", agent_user=agent.user)
    support_services.conversation_set_status(conversation=old, status="resolved")
    new = factories.conversation(contact=contact, body="new question")
    factories.message(conversation=new, sender_type="agent", body="b", agent_user=agent.user)
    factories.message(conversation=new, sender_type="agent", body="c", agent_user=agent.user)
    factories.conversation(body="someone else's")  # another visitor

    with django_assert_max_num_queries(3):  # contact, conversations with unread counts
        response = get(token, "conversations")

    assert response.status_code == 200
    data = response.json()
    assert data["has_more"] is False
    assert [c["id"] for c in data["conversations"]] == [new.pk, old.pk]
    assert [c["unread"] for c in data["conversations"]] == [2, 1]
    assert data["conversations"][0]["last_message"] == "c"
    resolved = data["conversations"][1]
    assert resolved["status"] == "resolved"
    assert resolved["reopenable"] is True
    assert resolved["reopen_until"] > resolved["resolved_at"]


def test_history_pages_by_limit_and_offset_without_duplicates():
    contact, token = factories.visitor()
    made = []
    for n in range(5):
        conversation = factories.resolved_conversation(contact=contact, body=f"q{n}")
        made.append(conversation.pk)
    first = get(token, "conversations", limit=3).json()
    second = get(token, "conversations", limit=3, offset=3).json()
    assert first["has_more"] is True and second["has_more"] is False
    ids = [c["id"] for c in first["conversations"] + second["conversations"]]
    assert sorted(ids) == sorted(made) and len(set(ids)) == 5


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "x"}])
def test_history_rejects_bad_paging(params):
    _contact, token = factories.visitor()
    response = get(token, "conversations", **params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"


def test_history_needs_the_visitor_token():
    assert Client().get(API + "conversations").status_code == 401


def test_a_resolved_conversation_past_the_window_is_not_reopenable(settings):
    settings.DESTEK = {**settings.DESTEK, "REOPEN_WINDOW_SECONDS": 3600}
    contact, token = factories.visitor()
    conversation = factories.resolved_conversation(contact=contact)
    Conversation.objects.filter(pk=conversation.pk).update(
        resolved_at=timezone.now() - timedelta(hours=2)
    )
    (summary,) = get(token, "conversations").json()["conversations"]
    assert summary["reopenable"] is False
    response = post(token, f"conversations/{conversation.pk}/reopen")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "reopen_window_passed"


def test_reopening_from_history_gives_an_open_conversation_the_visitor_can_write_in():
    contact, token = factories.visitor()
    conversation = factories.resolved_conversation(contact=contact, body="it broke again")
    response = post(token, f"conversations/{conversation.pk}/reopen")
    assert response.status_code == 200
    assert response.json()["reopenable"] is False and response.json()["reopen_until"] is None
    sent = Client().post(
        API + f"conversations/{conversation.pk}/messages",
        data='{"body": "still broken", "client_id": "x1"}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert sent.status_code == 201
    assert Message.objects.filter(conversation=conversation).count() == 2


def test_an_agent_may_reopen_after_the_window():
    agent = factories.agent()
    conversation = factories.resolved_conversation()
    Conversation.objects.filter(pk=conversation.pk).update(
        resolved_at=timezone.now() - timedelta(days=365)
    )
    reopened = support_services.conversation_reopen(
        conversation=Conversation.objects.get(pk=conversation.pk), by_agent=agent.user
    )
    assert reopened.status != Conversation.Status.RESOLVED
