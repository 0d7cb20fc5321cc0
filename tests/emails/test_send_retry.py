"""A reply of an e-mail conversation that Celery could not send: after the last attempt the
message shows "not sent" with a Retry button; an agent who may see the conversation retries
and the mail goes out (aiosmtpd) under the same Message-ID. The state is redrawn live in the
watching consoles (message.delivery_changed)."""

import asyncio
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers, get_channel_layer
from django.test import Client
from django.urls import reverse

from console import realtime
from emails import inbox, tasks
from emails.models import OutboundEmail
from support import services as support_services
from support.models import Conversation, Message
from tests import factories
from tests.conftest import IN_MEMORY_LAYER
from tests.stack import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_down(settings):
    """An SMTP server that is not there: every send fails at once."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 2


def received(address) -> Conversation:
    mail = EmailMessage()
    mail["From"] = "Ayşe Yılmaz <ayse@example.org>"
    mail["To"] = address.address
    mail["Subject"] = "Siparişim gelmedi"
    mail["Message-ID"] = make_msgid(domain="example.org")
    mail.set_content("Merhaba, 1234 numaralı siparişim hâlâ gelmedi.")
    result = inbox.mail_receive(support_address=address, raw=bytes(mail))
    return Conversation.objects.get(pk=result.conversation_id)


def failed_reply(conversation, agent, capture) -> Message:
    with capture(execute=True):
        reply, _created = support_services.message_send(
            conversation=conversation, sender_type="agent", body="Bakıyorum.", agent=agent.user
        )
    reply.refresh_from_db()
    return reply


def page(client, conversation) -> str:
    return client.get(reverse("console:conversation", args=[conversation.pk])).content.decode()


def test_after_the_last_attempt_the_reply_shows_not_sent_and_a_retry_sends_it(
    address, smtp_down, smtp, settings, django_capture_on_commit_callbacks
):
    working_port = settings.EMAIL_PORT  # the smtp fixture's server
    settings.EMAIL_PORT = free_port()  # down for the first attempts
    agent = factories.agent(teams=[address.team])
    conversation = received(address)
    reply = failed_reply(conversation, agent, django_capture_on_commit_callbacks)

    outbound = OutboundEmail.objects.get(message=reply)
    assert outbound.attempts == tasks.SEND_ATTEMPTS
    assert outbound.status == OutboundEmail.Status.FAILED
    assert reply.delivery == Message.Delivery.FAILED
    assert reply.delivery_error
    client = Client()
    client.force_login(agent.user)
    shown = page(client, conversation)
    assert "E-mail not sent:" in shown
    retry_url = reverse("console:message_delivery_retry", args=[conversation.pk, reply.pk])
    assert retry_url in shown

    settings.EMAIL_PORT = working_port
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(retry_url).status_code == 204
    (recipients, sent), *_rest = smtp
    assert recipients == ["ayse@example.org"]
    assert sent["Message-ID"] == outbound.header_id
    reply.refresh_from_db()
    assert reply.delivery == Message.Delivery.SENT
    outbound.refresh_from_db()
    assert outbound.status == OutboundEmail.Status.SENT and outbound.error == ""
    shown = page(client, conversation)
    assert "E-mailed" in shown
    assert retry_url not in shown


def test_the_retry_reads_in_turkish_for_a_turkish_agent(
    address, smtp_down, django_capture_on_commit_callbacks
):
    agent = factories.agent(teams=[address.team])
    agent.language = "tr"
    agent.save(update_fields=["language"])
    conversation = received(address)
    failed_reply(conversation, agent, django_capture_on_commit_callbacks)
    client = Client()
    client.force_login(agent.user)
    shown = page(client, conversation)
    assert "E-posta gönderilemedi:" in shown
    assert "Yeniden dene" in shown


def test_only_an_agent_who_may_see_the_conversation_retries(
    address, smtp_down, django_capture_on_commit_callbacks
):
    agent = factories.agent(teams=[address.team])
    conversation = received(address)
    reply = failed_reply(conversation, agent, django_capture_on_commit_callbacks)
    url = reverse("console:message_delivery_retry", args=[conversation.pk, reply.pk])
    outsider = Client()
    outsider.force_login(factories.agent(teams=[factories.team()]).user)
    with django_capture_on_commit_callbacks(execute=True):
        assert outsider.post(url).status_code == 404
        assert Client().post(url).status_code == 302  # to the login page
    reply.refresh_from_db()
    assert reply.delivery == Message.Delivery.FAILED
    assert OutboundEmail.objects.get(message=reply).attempts == tasks.SEND_ATTEMPTS


async def drain(layer, channel) -> list[dict]:
    events = []
    while True:
        try:
            events.append(await asyncio.wait_for(layer.receive(channel), timeout=0.2))
        except TimeoutError:
            return events


def test_the_mail_state_is_redrawn_live_in_the_watching_consoles(
    address, smtp, settings, django_capture_on_commit_callbacks
):
    settings.CHANNEL_LAYERS = IN_MEMORY_LAYER
    channel_layers.backends.clear()
    layer = get_channel_layer()
    watcher = async_to_sync(layer.new_channel)()
    conversation = received(address)
    async_to_sync(layer.group_add)(realtime.console_conversation_group(conversation.pk), watcher)
    agent = factories.agent(teams=[address.team])
    with django_capture_on_commit_callbacks(execute=True):
        reply, _created = support_services.message_send(
            conversation=conversation, sender_type="agent", body="Buyrun.", agent=agent.user
        )
    fragments = async_to_sync(drain)(layer, watcher)
    channel_layers.backends.clear()
    redrawn = [
        event["html"]
        for event in fragments
        if event["type"] == "console.html"
        and isinstance(event["html"], dict)
        and "E-mailed" in event["html"].get("en", "")
    ]
    assert redrawn, "no fragment carried the sent state"
    assert f'id="message-{reply.pk}"' in redrawn[-1]["en"]
    assert "E-postayla gönderildi" in redrawn[-1]["tr"]
