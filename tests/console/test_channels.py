"""The console and channels: the channel on rows and headers, the inbox filter, reports by
channel, a failed WhatsApp send's Retry, the composer once the reply window closed."""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers, get_channel_layer
from django.urls import reverse
from django.utils import timezone

from console import realtime, reports
from support import services
from support.models import Conversation, Message
from tests import factories
from tests.conftest import IN_MEMORY_LAYER
from tests.console.test_views import count_queries, inbox_url, logged_in, row_ids

pytestmark = pytest.mark.django_db


def channel_conversation(channel: str) -> Conversation:
    contact, _token = factories.visitor()
    conversation, _created = services.conversation_start(
        contact=contact, body=f"Hello from {channel}", channel=channel
    )
    return conversation


def test_every_row_and_the_header_name_the_channel_in_both_languages():
    agent = factories.supervisor()
    whatsapp = channel_conversation("whatsapp")
    page = logged_in(agent).get(inbox_url()).content.decode()
    assert 'data-channel="whatsapp"' in page
    assert "WhatsApp" in page
    agent.language = "tr"
    agent.save()
    client = logged_in(agent)
    detail = client.get(reverse("console:conversation", args=[whatsapp.pk])).content.decode()
    assert 'id="conversation-channel"' in detail
    widget = channel_conversation("widget")
    page = client.get(inbox_url()).content.decode()
    assert f'id="conv-row-{widget.pk}"' in page
    assert "Sohbet penceresi" in page


def test_the_inbox_filters_by_channel_within_the_same_query_budget():
    agent = factories.supervisor()
    client = logged_in(agent)
    ids = {channel: channel_conversation(channel).pk for channel in ("widget", "whatsapp", "email")}
    client.get(inbox_url())
    unfiltered, _response = count_queries(client, inbox_url())
    filtered, response = count_queries(client, inbox_url(channel="whatsapp"))
    assert row_ids(response) == [ids["whatsapp"]]
    assert filtered == unfiltered
    # An unknown channel is no filter.
    assert len(row_ids(client.get(inbox_url(channel="fax")))) == 3


def test_reports_split_by_channel():
    supervisor = factories.supervisor()
    channel_conversation("whatsapp")
    channel_conversation("widget")
    channel_conversation("widget")
    everything = reports.report_build(filters=reports.report_filters(profile=supervisor))
    whatsapp = reports.report_build(
        filters=reports.report_filters(profile=supervisor, channel="whatsapp")
    )
    assert everything.activity["totals"]["started"] == 3
    assert whatsapp.activity["totals"]["started"] == 1
    page = logged_in(supervisor).get(reverse("console:reports"), {"channel": "whatsapp"})
    assert page.status_code == 200
    assert 'name="channel"' in page.content.decode()


def failed_reply(conversation, agent) -> Message:
    message = factories.message(
        conversation=conversation, sender_type="agent", agent_user=agent.user
    )
    services.message_delivery_set(message=message, delivery="pending")
    services.message_delivery_set(
        message=message, delivery="failed", error="(#131026) Undeliverable"
    )
    return message


def test_a_failed_send_shows_on_the_message_with_a_retry_button():
    agent = factories.supervisor()
    conversation = channel_conversation("email")
    message = failed_reply(conversation, agent)
    page = logged_in(agent).get(reverse("console:conversation", args=[conversation.pk]))
    html = page.content.decode()
    assert "delivery-failed" in html
    assert "(#131026) Undeliverable" in html
    retry_url = reverse("console:message_delivery_retry", args=[conversation.pk, message.pk])
    assert retry_url in html


def test_retry_needs_access_to_the_conversation_and_a_failed_message():
    owner = factories.supervisor()
    conversation = channel_conversation("email")
    message = failed_reply(conversation, owner)
    url = reverse("console:message_delivery_retry", args=[conversation.pk, message.pk])
    team = factories.team()
    conversation.team = team
    conversation.save(update_fields=["team"])
    outsider = factories.agent(teams=[factories.team()])
    assert logged_in(outsider).post(url).status_code == 404
    message.refresh_from_db()
    assert message.delivery == "failed"
    client = logged_in(owner)
    assert client.post(url).status_code == 204
    message.refresh_from_db()
    assert message.delivery == "pending"
    # Not failed (any more): refused with a reason.
    assert client.post(url).status_code == 409


def test_outside_the_reply_window_the_composer_says_so_and_the_server_refuses_text():
    agent = factories.supervisor()
    conversation = channel_conversation("whatsapp")
    Message.objects.filter(conversation=conversation).update(
        created_at=timezone.now() - timedelta(hours=30)
    )
    client = logged_in(agent)
    page = client.get(reverse("console:conversation", args=[conversation.pk])).content.decode()
    assert 'id="reply-window"' in page
    answer = client.post(
        reverse("console:conversation_message_send", args=[conversation.pk]), {"body": "Hi"}
    )
    assert answer.status_code == 400
    assert "approved template" in answer.content.decode()
    assert not conversation.messages.filter(sender_type="agent").exists()


def test_inside_the_window_no_notice():
    agent = factories.supervisor()
    conversation = channel_conversation("whatsapp")
    page = logged_in(agent).get(reverse("console:conversation", args=[conversation.pk]))
    assert 'id="reply-window"' not in page.content.decode()


def test_a_delivery_change_redraws_the_message_in_the_watching_consoles(
    settings, django_capture_on_commit_callbacks
):
    """console.listeners: message.delivery_changed → the message's fragment again, in every
    console language, to the conversation's console group only."""
    settings.CHANNEL_LAYERS = IN_MEMORY_LAYER
    channel_layers.backends.clear()
    layer = get_channel_layer()
    watcher = async_to_sync(layer.new_channel)()
    conversation = channel_conversation("whatsapp")
    async_to_sync(layer.group_add)(realtime.console_conversation_group(conversation.pk), watcher)
    agent = factories.supervisor()
    message = factories.message(
        conversation=conversation, sender_type="agent", agent_user=agent.user
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.message_delivery_set(message=message, delivery="pending")
    async_to_sync(layer.receive)(watcher)  # "Sending"
    with django_capture_on_commit_callbacks(execute=True):
        services.message_delivery_set(
            message=message, delivery="failed", error="(#131026) Undeliverable"
        )
    event = async_to_sync(layer.receive)(watcher)
    channel_layers.backends.clear()
    assert event["type"] == "console.html"
    assert set(event["html"]) == {"en", "tr"}
    for html in event["html"].values():
        assert f'id="message-{message.pk}"' in html
        assert 'hx-swap-oob="true"' in html
        assert "delivery-failed" in html
        assert reverse("console:message_delivery_retry", args=[conversation.pk, message.pk]) in html
