"""Blocking spam: an agent blocks a contact (or an anonymous visitor's address); their
messages are refused quietly; a supervisor sees and lifts blocks."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from support import errors, services
from support.models import AuditEvent, Contact, ContactBlock, Conversation, Message
from tests import factories
from tests.factories import logged_in

pytestmark = pytest.mark.django_db

API = "/api/widget/v1/"


def post(client, path, data, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(API + path, json.dumps(data), content_type="application/json", **headers)


def open_session(client, widget, token=None, ip="203.0.113.9"):
    data = {"widget_key": widget.key}
    if token:
        data["visitor_token"] = token
    response = client.post(
        API + "session", json.dumps(data), content_type="application/json", REMOTE_ADDR=ip
    )
    assert response.status_code == 200
    return response.json()["visitor_token"]


def test_a_blocked_contacts_messages_are_refused_quietly():
    agent = factories.agent()
    widget = factories.widget()
    client = Client()
    token = open_session(client, widget)
    started = post(client, "conversations", {"body": "Buy cheap pills", "client_id": "a1"}, token)
    conversation = Conversation.objects.get(pk=started.json()["id"])
    before = Message.objects.filter(conversation=conversation).count()

    block = services.contact_block(conversation=conversation, by_user=agent.user, reason="spam")
    assert Contact.objects.get(pk=conversation.contact_id).blocked_by_id == block.pk

    sent = post(
        client,
        f"conversations/{conversation.pk}/messages",
        {"body": "more", "client_id": "a2"},
        token,
    )
    assert sent.status_code == 202 and sent.json() == {"accepted": True}
    new = post(client, "conversations", {"body": "again", "client_id": "a3"}, token)
    assert new.status_code == 202 and new.json() == {"accepted": True}
    assert Message.objects.filter(conversation=conversation).count() == before
    assert Conversation.objects.filter(contact_id=conversation.contact_id).count() == 1
    record = AuditEvent.objects.get(action=AuditEvent.Action.CONTACT_BLOCKED)
    assert record.detail["reason"] == "spam" and record.conversation_ref == conversation.pk


def test_an_ip_block_catches_a_new_anonymous_session_from_that_address():
    agent = factories.agent()
    widget = factories.widget()
    client = Client()
    token = open_session(client, widget, ip="198.51.100.7")
    conversation = Conversation.objects.get(
        pk=post(client, "conversations", {"body": "spam", "client_id": "b1"}, token).json()["id"]
    )
    services.contact_block(
        conversation=conversation, by_user=agent.user, reason="abuse", include_ip=True
    )
    fresh_token = open_session(Client(), widget, ip="198.51.100.7")
    answer = post(Client(), "conversations", {"body": "hi again", "client_id": "b2"}, fresh_token)
    assert answer.status_code == 202
    elsewhere = open_session(Client(), widget, ip="192.0.2.1")
    assert (
        post(Client(), "conversations", {"body": "hi", "client_id": "b3"}, elsewhere).status_code
        == 201
    )


def test_bad_block_input_is_refused():
    agent = factories.agent()
    conversation = factories.conversation()
    with pytest.raises(errors.InvalidInput):
        services.contact_block(conversation=conversation, by_user=agent.user, reason="because")
    with pytest.raises(errors.InvalidInput) as raised:
        services.contact_block(
            conversation=conversation, by_user=agent.user, reason="spam", include_ip=True
        )
    assert raised.value.code == "no_ip_address"
    assert not ContactBlock.objects.exists()


def test_only_a_supervisor_lifts_a_block_and_the_contact_may_write_again():
    agent = factories.agent()
    conversation = factories.conversation()
    block = services.contact_block(conversation=conversation, by_user=agent.user, reason="spam")
    with pytest.raises(errors.Forbidden):
        services.block_lift(block_id=block.pk, by_profile=agent)
    response = logged_in(agent).post(reverse("console:block_lift", args=[block.pk]))
    assert response.status_code == 403
    assert logged_in(agent).get(reverse("console:block_list")).status_code == 403
    assert Contact.objects.get(pk=conversation.contact_id).blocked_by_id == block.pk

    supervisor = factories.supervisor()
    page = logged_in(supervisor).get(reverse("console:block_list")).content.decode()
    assert f'id="block-{block.pk}"' in page and 'data-standing="1"' in page
    response = logged_in(supervisor).post(reverse("console:block_lift", args=[block.pk]))
    assert response.status_code == 302
    block.refresh_from_db()
    assert block.lifted_at is not None and block.lifted_by_id == supervisor.user_id
    assert Contact.objects.get(pk=conversation.contact_id).blocked_by_id is None
    factories.message(conversation=conversation, body="Sorry, a real question")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CONTACT_UNBLOCKED).count() == 1


def test_an_agent_blocks_from_the_console_but_not_a_conversation_they_may_not_see():
    agent = factories.agent()
    conversation = factories.conversation()
    url = reverse("console:conversation_block", args=[conversation.pk])
    page = logged_in(agent).get(reverse("console:conversation", args=[conversation.pk]))
    assert 'id="block-button"' in page.content.decode()
    response = logged_in(agent).post(url, {"reason": "spam"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="conversation-blocked"' in response.content.decode()
    bad = logged_in(agent).post(url, {"reason": "nope"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400

    team = factories.team()
    hidden = factories.conversation(topic_slug=factories.topic(team=team).slug)
    url = reverse("console:conversation_block", args=[hidden.pk])
    assert logged_in(agent).post(url, {"reason": "spam"}).status_code == 404
    assert Contact.objects.get(pk=hidden.contact_id).blocked_by_id is None


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Please sign in to chat with us."),
        ("tr", "Bizimle sohbet etmek için lütfen giriş yapın."),
    ],
)
def test_a_widget_that_requires_identity_refuses_anonymous_visitors_clearly(language, text):
    widget = factories.widget()
    widget.require_verified_identity = True
    widget.save(update_fields=["require_verified_identity"])
    response = Client().post(
        API + "session",
        json.dumps({"widget_key": widget.key}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 403
    assert response.json()["error"] == {"code": "identity_required", "detail": text}
    assert not Contact.objects.filter(widget=widget).exists()
