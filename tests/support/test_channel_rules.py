"""The same conversation rules for every channel: routing (by topic where the channel picks
one, by the team of the channel's account: a support address, a WhatsApp number), keywords,
assignment, the after-hours reply (and that the channel carries it to the customer), SLA,
the rating prompt, retention.

Each channel is one entry of CHANNELS: how a customer's first words arrive through it (to a
team, and to a topic where the channel can name one), whether a line for the customer went
out through it, and how the customer answers the rating prompt. A new channel adds its entry
here.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail as django_mail
from django.test import Client
from django.utils import timezone

from emails import inbox
from emails.models import InboundEmail, OutboundEmail, SupportAddress
from ratings.models import Rating
from support import automation, retention
from support import services as support_services
from support.models import Conversation, Message, PriorityRule, Team, Topic
from tests import factories
from tests.emails.conftest import mail
from tests.support.conftest import rating_prompt_after_an_answer
from tests.whatsapp.conftest import APP_SECRET, TOKEN, customer_writes
from whatsapp import services as whatsapp_services
from whatsapp.fake_graph import FakeGraph
from whatsapp.models import Channel as WhatsAppNumber
from whatsapp.models import InboundMessage, OutboundMessage, Thread

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("graph")]

CUSTOMER_PHONE = "905321234567"


def widget_writes(*, team: Team, body: str, topic: Topic | None = None) -> Conversation:
    # The widget reaches a team through a topic the visitor picks.
    topic = topic or factories.topic(team=team)
    contact, _token = factories.visitor(locale="en")
    conversation, _created = support_services.conversation_start(
        contact=contact, body=body, topic_slug=topic.slug
    )
    return conversation


def widget_carried(message: Message, graph: FakeGraph) -> bool:
    # The widget reads every line of its conversation (support's publish after commit).
    return message.conversation.channel == Conversation.Channel.WIDGET


def widget_rates(prompt: Message, score: int) -> None:
    """The visitor presses a star chip of the prompt."""
    (chip,) = [a for a in prompt.actions if a["value"] == str(score)]
    support_services.visitor_message_send(
        conversation=prompt.conversation, body=chip["label"], action=chip
    )


def email_writes(*, team: Team, body: str, topic: Topic | None = None) -> Conversation:
    address, _created = SupportAddress.objects.get_or_create(
        address=f"{topic.slug if topic else f'team-{team.pk}'}@shop.example",
        defaults={
            "display_name": "Shop",
            "team": team,
            "topic": topic,
            "widget": factories.widget(),
        },
    )
    sent = mail(sender="Ayşe <ayse@example.org>", to=address.address, subject="Help", body=body)
    result = inbox.mail_receive(support_address=address, raw=bytes(sent))
    assert result.status == "posted", result.refusal
    return Conversation.objects.get(pk=result.conversation_id)


def email_carried(message: Message, graph: FakeGraph) -> bool:
    return OutboundEmail.objects.filter(message=message, status="sent").exists()


def link_rates(prompt: Message, score: int) -> None:
    """The customer opens the rating page's link the prompt carried, and rates there."""
    (link,) = re.findall(r"https?://\S+", prompt.body)
    path = link.split("://", 1)[1].split("/", 1)[1]
    client = Client()
    assert client.get(f"/{path}").status_code == 200
    assert client.post(f"/{path}", {"score": str(score)}).status_code == 200


def whatsapp_writes(*, team: Team, body: str, topic: Topic | None = None) -> Conversation:
    # A WhatsApp number routes to its team: there is no topic to pick.
    assert topic is None, "a WhatsApp number names a team, not a topic"
    number = WhatsAppNumber.objects.filter(team=team).first()
    if number is None:
        number = WhatsAppNumber(
            name="Shop",
            widget=factories.widget(),
            team=team,
            phone_number_id=f"10654035{team.pk:07d}",
            verify_token="verify-me",
        )
        whatsapp_services.channel_save_secrets(
            channel=number, access_token=TOKEN, app_secret=APP_SECRET
        )
        number.save()
    return customer_writes(number, body, wa_id=CUSTOMER_PHONE)


def whatsapp_carried(message: Message, graph: FakeGraph) -> bool:
    """Sent to the customer's number through the Graph API, within the reply window."""
    sent = OutboundMessage.objects.filter(message=message).exclude(wamid="").exists()
    texts = [p["text"]["body"] for p in graph.sent if p.get("to") == CUSTOMER_PHONE]
    return sent and message.body in texts


@dataclass(frozen=True)
class Channel:
    writes: object
    carried: object
    rates: object
    # Whether the customer can name a topic through it (the widget's topics, an address's).
    routes_by_topic: bool


CHANNELS = {
    "widget": Channel(widget_writes, widget_carried, widget_rates, routes_by_topic=True),
    "email": Channel(email_writes, email_carried, link_rates, routes_by_topic=True),
    "whatsapp": Channel(whatsapp_writes, whatsapp_carried, link_rates, routes_by_topic=False),
}


@pytest.fixture(params=list(CHANNELS))
def channel(request) -> Channel:
    return CHANNELS[request.param]


def test_routing_by_topic_sends_it_to_the_topics_team_with_its_priority(channel):
    if not channel.routes_by_topic:
        pytest.skip("this channel's account names a team, not a topic")
    team = factories.team(name="Billing")
    topic = factories.topic(team=team, default_priority="high")
    conversation = channel.writes(team=team, topic=topic, body="Faturamda hata var")
    assert conversation.topic == topic
    assert conversation.team == team
    assert conversation.priority == "high"
    assert conversation.status == Conversation.Status.QUEUED


def test_routing_by_the_channels_team_queues_it_there_with_the_normal_priority(channel):
    team = factories.team(name="Billing")
    conversation = channel.writes(team=team, body="Faturamda hata var")
    assert conversation.team == team
    assert conversation.priority == "normal"
    assert conversation.status == Conversation.Status.QUEUED


def test_a_keyword_raises_the_priority(channel):
    PriorityRule.objects.create(keyword="acil", priority="urgent")
    conversation = channel.writes(team=factories.team(), body="ACİL: kartımdan iki kez çekildi")
    conversation.refresh_from_db()
    assert conversation.priority == "urgent"


def test_the_assignment_picks_an_online_agent_of_the_team(channel):
    team = factories.team()
    agent = factories.agent(teams=[team], online=True)
    factories.agent(teams=[factories.team()], online=True)  # another team's: never picked
    conversation = channel.writes(team=team, body="Merhaba")
    conversation.refresh_from_db()
    assert conversation.assignee_id == agent.user_id
    assert conversation.status == Conversation.Status.OPEN


def test_after_hours_the_customer_gets_one_reply_through_their_channel(
    channel, clock, graph, django_capture_on_commit_callbacks
):
    team = factories.hours_team(time_zone="Europe/Istanbul", message_en="We are closed.")
    for weekday in range(5):
        factories.business_hours(team=team, weekday=weekday, opens="09:00", closes="17:00")
    clock.now = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)  # Monday 18:00 in Istanbul
    with django_capture_on_commit_callbacks(execute=True):
        conversation = channel.writes(team=team, body="Is anyone there?")
    replies = list(conversation.messages.filter(sender_type="bot"))
    assert len(replies) == 1
    assert replies[0].body.startswith("We are closed.")
    assert channel.carried(replies[0], graph)


def test_sla_first_response_is_due_and_breached_the_same_way(channel):
    conversation = channel.writes(team=factories.team(), body="Merhaba")
    conversation.refresh_from_db()
    assert conversation.first_response_due_at == conversation.queued_at + timedelta(seconds=120)
    late = conversation.queued_at + timedelta(seconds=121)
    assert automation.sla_sweep(now=late)["first_response"] == [conversation.pk]


def test_the_rating_prompt_reaches_the_customer_and_their_rating_counts(
    channel, graph, django_capture_on_commit_callbacks
):
    team = factories.team()
    agent = factories.agent(teams=[team], online=True)
    with django_capture_on_commit_callbacks(execute=True):
        conversation = channel.writes(team=team, body="Siparişim nerede?")
    prompt = rating_prompt_after_an_answer(
        conversation, agent=agent, capture=django_capture_on_commit_callbacks
    )
    assert prompt.body.startswith("How did we do? Rate this conversation")
    assert channel.carried(prompt, graph)
    # One way to answer it: the stars where the customer can press them, else the link.
    assert bool(prompt.actions) != ("/rate/" in prompt.body)
    # No second prompt by the rating e-mail for a channel that carried the link itself.
    assert not [m for m in django_mail.outbox if "/rate/" in m.body and "Yolda!" in m.body]
    with django_capture_on_commit_callbacks(execute=True):
        channel.rates(prompt, 4)
    assert Rating.objects.get(current_for=conversation).score == 4


def test_retention_deletes_old_conversations_of_every_channel(
    channel, settings, django_capture_on_commit_callbacks
):
    conversation = channel.writes(team=factories.team(), body="Merhaba")
    message_ids = list(conversation.messages.values_list("pk", flat=True))
    support_services.conversation_set_status(conversation=conversation, status="resolved")
    settings.DESTEK = {**settings.DESTEK, "RETENTION_DAYS": {"messages": 30}}
    with django_capture_on_commit_callbacks(execute=True):
        retention.retention_purge(now=timezone.now() + timedelta(days=31))
    assert not Conversation.objects.filter(pk=conversation.pk).exists()
    # Nothing of the channel's own records outlives the conversation.
    assert not InboundEmail.objects.filter(conversation_id=conversation.pk).exists()
    assert not Thread.objects.filter(conversation_id=conversation.pk).exists()
    # A WhatsApp message id carries the customer's number: it goes with the message.
    assert not InboundMessage.objects.exists()
    assert not Message.objects.filter(pk__in=message_ids).exists()
