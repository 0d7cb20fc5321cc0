"""Replies out: the listener, the Celery task with its retries, statuses, the reply window."""

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from support import errors, services
from support.models import Conversation, Message
from tests import factories
from whatsapp import tasks
from whatsapp.models import OutboundMessage

from .conftest import payload, post

# Real commits: replies leave after commit (support.events), as in production.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def conversation(client, channel, graph):
    post(client, payload("text"))
    return Conversation.objects.get()


@pytest.fixture
def agent(channel):
    return factories.agent(teams=[channel.team])


def reply(conversation, agent, body="It comes in blue too."):
    message, _created = services.message_send(
        conversation=conversation,
        sender_type=Message.SenderType.AGENT,
        agent=agent.user,
        body=body,
        visible_to=agent,
    )
    message.refresh_from_db()
    return message


def test_agent_reply_reaches_the_graph_api_as_a_text_message(conversation, agent, graph):
    message = reply(conversation, agent)
    assert graph.sent == [
        {
            "phone_number_id": "106540352242922",
            "wamid": graph.sent[0]["wamid"],
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "16505551234",
            "type": "text",
            "text": {"preview_url": False, "body": "It comes in blue too."},
        }
    ]
    assert message.delivery == Message.Delivery.SENT
    assert OutboundMessage.objects.get(message=message).wamid == graph.sent[0]["wamid"]


def test_notes_and_visitor_messages_are_not_sent(conversation, agent, graph):
    services.note_create(conversation=conversation, author=agent, body="internal")
    assert graph.sent == []


def test_statuses_move_the_delivery_and_read_shows_seen(client, conversation, agent, graph):
    message = reply(conversation, agent)
    wamid = graph.sent[0]["wamid"]
    post(client, payload("status_delivered", wamid=wamid))
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.DELIVERED
    # A late "sent" never moves it back.
    post(client, payload("status_sent", wamid=wamid))
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.DELIVERED
    post(client, payload("status_read", wamid=wamid))
    conversation.refresh_from_db()
    assert conversation.visitor_last_read_id == message.pk


def test_failed_status_shows_on_the_message_and_a_retry_sends_again(
    client, conversation, agent, graph
):
    message = reply(conversation, agent)
    post(client, payload("status_failed", wamid=graph.sent[0]["wamid"]))
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.FAILED
    assert message.delivery_error == "Re-engagement message"
    # Meta said it failed after accepting it: a retry is a new send with a new wamid.
    services.message_delivery_retry(message=message)
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.SENT
    assert len(graph.sent) == 2


def test_rate_limited_send_is_retried_with_backoff_until_it_goes_through(
    conversation, agent, graph
):
    graph.fail_next(429, code=130429, times=2)
    message = reply(conversation, agent)
    assert message.delivery == Message.Delivery.SENT
    assert len(graph.sent) == 1
    assert OutboundMessage.objects.get(message=message).attempts == 3


def test_a_send_that_keeps_failing_is_shown_failed_never_dropped(conversation, agent, graph):
    graph.fail_next(503, times=tasks.services.SEND_ATTEMPTS)
    message = reply(conversation, agent)
    assert message.delivery == Message.Delivery.FAILED
    assert message.delivery_error
    assert OutboundMessage.objects.get(message=message).attempts == tasks.services.SEND_ATTEMPTS
    services.message_delivery_retry(message=message)
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.SENT
    # Only a failed message is sent again.
    with pytest.raises(errors.Conflict):
        services.message_delivery_retry(message=message)


def test_a_refused_send_is_not_retried(conversation, agent, graph):
    graph.fail_next(400, code=131026)
    message = reply(conversation, agent)
    assert message.delivery == Message.Delivery.FAILED
    assert OutboundMessage.objects.get(message=message).attempts == 1


def test_with_a_worker_each_retry_waits_longer(conversation, agent, graph, monkeypatch):
    message = reply(conversation, agent)
    outbound = tasks.services.outbound_reset(message_id=message.pk)
    countdowns = []

    def retry(**kwargs):
        # Celery's retry would publish the task again with this countdown.
        countdowns.append(kwargs["countdown"])
        return Retry()

    monkeypatch.setattr(tasks.whatsapp_send, "retry", retry)
    for retries in (0, 1, 2):
        graph.fail_next(429, code=130429)
        tasks.whatsapp_send.push_request(retries=retries, is_eager=False)
        try:
            with pytest.raises(Retry):
                tasks.whatsapp_send.run(outbound.pk)
        finally:
            tasks.whatsapp_send.pop_request()
    assert countdowns == [tasks.BACKOFF_SECONDS * factor for factor in (1, 2, 4)]


def test_agent_files_are_uploaded_and_sent_as_media(conversation, agent, graph):
    from chat import uploads
    from tests.whatsapp.test_webhook import PNG

    checked = uploads.check(data=PNG, name="photo.png")
    attachment = services.attachment_store(
        conversation=conversation, checked=checked, uploader_type="agent", agent=agent.user
    )
    services.message_send(
        conversation=conversation,
        sender_type=Message.SenderType.AGENT,
        agent=agent.user,
        body="",
        attachments=[attachment.pk],
        visible_to=agent,
    )
    assert len(graph.uploads) == 1
    assert graph.sent[0]["type"] == "image"
    assert graph.sent[0]["image"] == {"id": graph.uploads[0]["id"]}


def test_outside_the_24_hour_window_free_text_is_refused(conversation, agent, graph):
    Message.objects.filter(conversation=conversation).update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    with pytest.raises(errors.Conflict) as refused:
        reply(conversation, agent)
    assert refused.value.code == "reply_window_closed"
    assert graph.sent == []


def test_outside_the_window_an_approved_template_goes_out(conversation, agent, graph, channel):
    from whatsapp import services as whatsapp_services

    Message.objects.filter(conversation=conversation).update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    template = channel.templates.get()
    with pytest.raises(errors.InvalidInput):
        whatsapp_services.template_send(
            conversation_id=conversation.pk,
            agent=agent.user,
            profile=agent,
            template_id=template.pk,
            parameters=["Sheena"],
        )
    message = whatsapp_services.template_send(
        conversation_id=conversation.pk,
        agent=agent.user,
        profile=agent,
        template_id=template.pk,
        parameters=["Sheena", "#1042"],
    )
    assert message.body == "Hello Sheena, your order #1042 has news. Reply to continue."
    assert graph.sent[0]["type"] == "template"
    assert graph.sent[0]["template"] == {
        "name": "order_update",
        "language": {"code": "en"},
        "components": [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Sheena"},
                    {"type": "text", "text": "#1042"},
                ],
            }
        ],
    }


def test_widget_conversations_send_nothing(agent, graph, channel):
    conversation = factories.conversation()
    services.message_send(
        conversation=conversation, sender_type="agent", agent=agent.user, body="hi"
    )
    assert graph.sent == []
    assert Message.objects.filter(sender_type="agent").get().delivery == ""


def test_bot_lines_go_out_but_not_button_prompts(conversation, graph):
    services.message_send(conversation=conversation, sender_type="bot", body="We open at 9.")
    services.message_send(
        conversation=conversation,
        sender_type="bot",
        body="How did we do?",
        actions=[{"type": "rating", "value": "5", "label": "5"}],
    )
    services.message_send(conversation=conversation, sender_type="system", body="Ayşe joined")
    assert [m["text"]["body"] for m in graph.sent] == ["We open at 9."]


def test_the_same_rules_apply_after_hours_reply_reaches_whatsapp(client, channel, graph):
    """Business hours are support's rule: a WhatsApp customer writing while the number's team
    is closed gets the team's after-hours reply, on WhatsApp."""
    team = factories.hours_team(message_en="We're closed now.", time_zone="UTC")
    # Open one hour on another weekday only: closed now.
    other_day = (timezone.now().weekday() + 3) % 7
    factories.business_hours(team=team, weekday=other_day, opens="09:00", closes="10:00")
    channel.team = team
    channel.save(update_fields=["team"])
    post(client, payload("text"))
    conversation = Conversation.objects.get()
    assert conversation.team == team
    bot = conversation.messages.get(sender_type="bot")
    assert bot.body.startswith("We're closed now.")
    assert [m["text"]["body"] for m in graph.sent] == [bot.body]
    bot.refresh_from_db()
    assert bot.delivery == Message.Delivery.SENT
