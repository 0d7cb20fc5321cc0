"""The same conversation rules for every channel: routing by topic and keyword, the after-hours
reply (and that the channel carries it to the customer), SLA, retention.

Each channel is one entry of CHANNELS: how a customer's first words arrive through it, and
whether a line for the customer went out through it. A new channel adds its entry here.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.utils import timezone

from emails import inbox
from emails.models import InboundEmail, OutboundEmail, SupportAddress
from support import automation, retention
from support import services as support_services
from support.models import Conversation, Message, PriorityRule, Topic
from tests import factories

pytestmark = pytest.mark.django_db


def widget_writes(*, topic: Topic, body: str) -> Conversation:
    contact, _token = factories.visitor(locale="en")
    conversation, _created = support_services.conversation_start(
        contact=contact, body=body, topic_slug=topic.slug
    )
    return conversation


def widget_carried(message: Message) -> bool:
    # The widget reads every line of its conversation (support's publish after commit).
    return message.conversation.channel == Conversation.Channel.WIDGET


def email_writes(*, topic: Topic, body: str) -> Conversation:
    address, _created = SupportAddress.objects.get_or_create(
        address=f"{topic.slug}@shop.example",
        defaults={
            "display_name": "Shop",
            "team": topic.team,
            "topic": topic,
            "widget": factories.widget(),
        },
    )
    mail = EmailMessage()
    mail["From"] = "Ayşe <ayse@example.org>"
    mail["To"] = address.address
    mail["Subject"] = "Help"
    mail["Message-ID"] = make_msgid(domain="example.org")
    mail.set_content(body)
    result = inbox.mail_receive(support_address=address, raw=bytes(mail))
    assert result.status == "posted", result.refusal
    return Conversation.objects.get(pk=result.conversation_id)


def email_carried(message: Message) -> bool:
    return OutboundEmail.objects.filter(message=message, status="sent").exists()


@dataclass(frozen=True)
class Channel:
    writes: object
    carried: object


CHANNELS = {
    "widget": Channel(widget_writes, widget_carried),
    "email": Channel(email_writes, email_carried),
}


@pytest.fixture(params=list(CHANNELS))
def channel(request) -> Channel:
    return CHANNELS[request.param]


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    frozen = Clock(datetime(2026, 6, 1, 7, 0, tzinfo=UTC))  # Monday 10:00 in Istanbul
    monkeypatch.setattr(timezone, "now", frozen)
    return frozen


def test_routing_by_topic_sends_it_to_the_topics_team_with_its_priority(channel):
    team = factories.team(name="Billing")
    topic = factories.topic(team=team, default_priority="high")
    conversation = channel.writes(topic=topic, body="Faturamda hata var")
    assert conversation.topic == topic
    assert conversation.team == team
    assert conversation.priority == "high"
    assert conversation.status == Conversation.Status.QUEUED


def test_a_keyword_raises_the_priority(channel):
    PriorityRule.objects.create(keyword="acil", priority="urgent")
    topic = factories.topic(team=factories.team())
    conversation = channel.writes(topic=topic, body="ACİL: kartımdan iki kez çekildi")
    conversation.refresh_from_db()
    assert conversation.priority == "urgent"


def test_the_assignment_picks_an_online_agent_of_the_team(channel):
    team = factories.team()
    agent = factories.agent(teams=[team], online=True)
    conversation = channel.writes(topic=factories.topic(team=team), body="Merhaba")
    conversation.refresh_from_db()
    assert conversation.assignee_id == agent.user_id
    assert conversation.status == Conversation.Status.OPEN


def test_after_hours_the_customer_gets_one_reply_through_their_channel(
    channel, clock, django_capture_on_commit_callbacks
):
    team = factories.hours_team(time_zone="Europe/Istanbul", message_en="We are closed.")
    for weekday in range(5):
        factories.business_hours(team=team, weekday=weekday, opens="09:00", closes="17:00")
    clock.now = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)  # Monday 18:00 in Istanbul
    with django_capture_on_commit_callbacks(execute=True):
        conversation = channel.writes(topic=factories.topic(team=team), body="Is anyone there?")
    replies = list(conversation.messages.filter(sender_type="bot"))
    assert len(replies) == 1
    assert replies[0].body.startswith("We are closed.")
    assert channel.carried(replies[0])


def test_sla_first_response_is_due_and_breached_the_same_way(channel):
    topic = factories.topic(team=factories.team())
    conversation = channel.writes(topic=topic, body="Merhaba")
    conversation.refresh_from_db()
    assert conversation.first_response_due_at == conversation.queued_at + timedelta(seconds=120)
    late = conversation.queued_at + timedelta(seconds=121)
    assert automation.sla_sweep(now=late)["first_response"] == [conversation.pk]


def test_retention_deletes_old_conversations_of_every_channel(
    channel, settings, django_capture_on_commit_callbacks
):
    conversation = channel.writes(topic=factories.topic(team=factories.team()), body="Merhaba")
    support_services.conversation_set_status(conversation=conversation, status="resolved")
    settings.DESTEK = {**settings.DESTEK, "RETENTION_DAYS": {"messages": 30}}
    with django_capture_on_commit_callbacks(execute=True):
        retention.retention_purge(now=timezone.now() + timedelta(days=31))
    assert not Conversation.objects.filter(pk=conversation.pk).exists()
    # Nothing of the channel's own records outlives the conversation.
    assert not InboundEmail.objects.filter(conversation_id=conversation.pk).exists()
