"""Message edit and delete: agents their own within the window, visitors their last unseen
one; the original kept in the audit log; the widget and the console told in place."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chat import protocol
from support import errors, events, services
from support.models import AuditEvent, Conversation, Message
from tests import factories
from tests.factories import logged_in

pytestmark = pytest.mark.django_db

API = "/api/widget/v1/"


@pytest.fixture
def changes():
    seen = []

    def listener(event):
        seen.append(json.loads(json.dumps(event.data)))

    events.event_listen("message.changed", listener)
    yield seen
    events.event_unlisten("message.changed", listener)


def agent_reply(agent, conversation=None, body="Your order ships today"):
    conversation = conversation or factories.conversation()
    return factories.message(
        conversation=conversation, sender_type="agent", agent_user=agent.user, body=body
    )


def test_an_agent_edits_their_message_and_the_original_is_audited(
    changes, django_capture_on_commit_callbacks
):
    agent = factories.agent()
    message = agent_reply(agent)
    with django_capture_on_commit_callbacks(execute=True):
        services.message_edit(profile=agent, message_id=message.pk, body="Ships tomorrow")
    message.refresh_from_db()
    assert message.body == "Ships tomorrow" and message.edited_at is not None
    record = AuditEvent.objects.get(action=AuditEvent.Action.MESSAGE_EDITED)
    assert record.detail["body"] == "Your order ships today"
    assert record.detail["message"] == message.pk
    assert changes == [
        {
            "message_id": message.pk,
            "conversation_id": message.conversation_id,
            "contact_id": message.conversation.contact_id,
            "change": "edited",
        }
    ]
    data = protocol.message_to_dict(message)
    assert "edited_at" in data and "deleted_at" not in data
    assert Conversation.objects.get(pk=message.conversation_id).last_message_preview == (
        "Ships tomorrow"
    )


def test_an_agent_deletes_their_message():
    agent = factories.agent()
    message = agent_reply(agent)
    services.message_delete(profile=agent, message_id=message.pk)
    message.refresh_from_db()
    assert message.body == "" and message.deleted_at is not None
    assert protocol.message_to_dict(message)["deleted_at"]
    record = AuditEvent.objects.get(action=AuditEvent.Action.MESSAGE_DELETED)
    assert record.detail["body"] == "Your order ships today"
    with pytest.raises(errors.Conflict):
        services.message_edit(profile=agent, message_id=message.pk, body="again")


def test_an_agent_cannot_change_others_messages_or_after_the_window():
    agent, colleague = factories.agent(), factories.agent()
    message = agent_reply(colleague)
    with pytest.raises(errors.Forbidden):
        services.message_edit(profile=agent, message_id=message.pk, body="mine now")
    with pytest.raises(errors.Forbidden):
        services.message_delete(profile=agent, message_id=message.pk)
    visitor_message = factories.message(conversation=message.conversation)
    with pytest.raises(errors.Forbidden):
        services.message_delete(profile=agent, message_id=visitor_message.pk)
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    with pytest.raises(errors.Conflict) as raised:
        services.message_edit(profile=colleague, message_id=message.pk, body="late")
    assert raised.value.code == "edit_window_passed"
    assert Message.objects.get(pk=message.pk).body == "Your order ships today"
    fresh = agent_reply(colleague, conversation=message.conversation, body="Fresh")
    with pytest.raises(errors.InvalidInput):
        services.message_edit(profile=colleague, message_id=fresh.pk, body="  ")
    assert Message.objects.get(pk=fresh.pk).body == "Fresh"


def test_the_window_is_a_setting(settings):
    settings.DESTEK = {**settings.DESTEK, "MESSAGE_EDIT_WINDOW_SECONDS": 30}
    agent = factories.agent()
    message = agent_reply(agent)
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(seconds=31))
    with pytest.raises(errors.Conflict):
        services.message_delete(profile=agent, message_id=message.pk)


def test_an_agent_cannot_change_a_message_of_a_conversation_they_may_not_see():
    team = factories.team()
    outsider = factories.agent()
    conversation = factories.conversation(topic_slug=factories.topic(team=team).slug)
    message = agent_reply(outsider, conversation=conversation)
    # Given to a member of the team: the outsider no longer sees the conversation.
    member = factories.agent(teams=[team])
    services.conversation_assign(
        conversation=conversation, to_user=member.user, by_user=member.user
    )
    with pytest.raises(errors.NotFound):
        services.message_edit(profile=outsider, message_id=message.pk, body="x")


def test_console_edit_and_delete_views():
    agent = factories.agent()
    message = agent_reply(agent)
    client = logged_in(agent)
    page = client.get(reverse("console:conversation", args=[message.conversation_id]))
    html = page.content.decode()
    assert f'data-author="{agent.user_id}"' in html and 'class="link-button msg-edit"' in html
    response = client.post(reverse("console:message_edit", args=[message.pk]), {"body": "Fixed"})
    assert response.status_code == 200
    assert "Fixed" in response.content.decode() and "edited" in response.content.decode()
    response = client.post(reverse("console:message_delete", args=[message.pk]))
    assert "This message was deleted." in response.content.decode()
    other = agent_reply(factories.agent())
    refused = client.post(reverse("console:message_edit", args=[other.pk]), {"body": "x"})
    assert refused.status_code == 403
    assert Message.objects.get(pk=other.pk).body == "Your order ships today"


def widget_session(widget):
    response = Client().post(
        API + "session", json.dumps({"widget_key": widget.key}), content_type="application/json"
    )
    return response.json()["visitor_token"]


def api(method, path, token, data=None):
    client = Client()
    return getattr(client, method)(
        API + path,
        json.dumps(data) if data is not None else "",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_a_visitor_deletes_their_last_unseen_message():
    widget = factories.widget()
    token = widget_session(widget)
    started = api("post", "conversations", token, {"body": "first", "client_id": "v1"}).json()
    cid = started["id"]
    first_id = started["messages"][-1]["id"] if started.get("messages") else None
    second = api(
        "post", f"conversations/{cid}/messages", token, {"body": "oops", "client_id": "v2"}
    )
    second_id = second.json()["id"]
    unread_before = Conversation.objects.get(pk=cid).agent_unread_count

    if first_id:
        not_last = api("delete", f"conversations/{cid}/messages/{first_id}", token)
        assert not_last.status_code == 409
        assert not_last.json()["error"]["code"] == "not_last_message"
    deleted = api("delete", f"conversations/{cid}/messages/{second_id}", token)
    assert deleted.status_code == 200
    assert deleted.json()["deleted_at"] and deleted.json()["body"] == ""
    assert Conversation.objects.get(pk=cid).agent_unread_count == unread_before - 1
    record = AuditEvent.objects.get(action=AuditEvent.Action.MESSAGE_DELETED)
    assert record.detail["body"] == "oops" and record.actor_name == "system"


def test_a_visitor_cannot_delete_a_seen_message_nor_another_visitors():
    widget = factories.widget()
    token = widget_session(widget)
    started = api("post", "conversations", token, {"body": "hello", "client_id": "w1"}).json()
    cid = started["id"]
    last = Message.objects.filter(conversation_id=cid, sender_type="visitor").latest("pk")
    conversation = Conversation.objects.get(pk=cid)
    services.conversation_mark_read(conversation=conversation, side="agent", up_to=last.pk)
    seen = api("delete", f"conversations/{cid}/messages/{last.pk}", token)
    assert seen.status_code == 409 and seen.json()["error"]["code"] == "message_seen"
    stranger = widget_session(widget)
    assert api("delete", f"conversations/{cid}/messages/{last.pk}", stranger).status_code == 404
    assert Message.objects.get(pk=last.pk).deleted_at is None
