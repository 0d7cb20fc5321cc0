"""support.selectors.nobody_can_answer: the one rule behind the widget's "leave your email"
offer, and what the visitor's session and conversation objects carry of it."""

import pytest
from django.utils import timezone

from chat import protocol
from support import hours, selectors
from support import services as support_services
from support.models import AgentProfile, Conversation
from tests import factories

pytestmark = pytest.mark.django_db


def closed_today(team):
    today = timezone.localdate(timezone.now(), hours.team_time_zone(team))
    factories.special_day(team=team, date=today)


def test_a_live_chat_never_offers_email_even_closed_and_with_nobody_online():
    team = factories.hours_team()
    factories.topic(slug="orders", team=team)
    conversation = factories.conversation(topic_slug="orders")
    agent = factories.agent(teams=[team])
    support_services.conversation_assign(
        conversation=conversation, to_user=agent.user, by_user=agent.user
    )
    conversation.refresh_from_db()
    AgentProfile.objects.update(presence=AgentProfile.Presence.OFFLINE, last_seen_at=None)
    closed_today(team)
    now = timezone.now()

    assert conversation.assignee_id == agent.user_id
    assert selectors.nobody_can_answer(conversation=conversation, now=now) is False
    assert protocol.conversation_to_dict(conversation)["email_offer"] is False


def test_a_waiting_chat_offers_email_until_someone_of_its_team_can_answer():
    team = factories.team()
    factories.topic(slug="orders", team=team)
    conversation = factories.conversation(topic_slug="orders")
    assert conversation.status == Conversation.Status.QUEUED and not conversation.assignee_id
    now = timezone.now()
    assert selectors.nobody_can_answer(conversation=conversation, now=now) is True
    # Someone online, but of another team: still nobody for this queue.
    factories.agent(online=True)
    assert selectors.nobody_can_answer(conversation=conversation, now=now) is True
    factories.agent(online=True, teams=[team])
    assert selectors.nobody_can_answer(conversation=conversation, now=now) is False
    assert protocol.conversation_to_dict(conversation)["email_offer"] is False
    # The team closes for the day: nobody answers today, whoever is online.
    closed_today(team)
    assert selectors.nobody_can_answer(conversation=conversation, now=timezone.now()) is True


def test_a_new_chat_follows_support_hours_and_presence():
    now = timezone.now()
    assert selectors.nobody_can_answer(conversation=None, now=now, support_open=True) is True
    factories.agent(online=True)
    assert selectors.nobody_can_answer(conversation=None, now=now, support_open=True) is False
    assert selectors.nobody_can_answer(conversation=None, now=now, support_open=False) is True
    # Without the session's answer it works support's hours out itself.
    assert selectors.nobody_can_answer(conversation=None, now=now) is False


def test_a_resolved_conversation_offers_nothing():
    conversation = factories.resolved_conversation()
    assert selectors.nobody_can_answer(conversation=conversation, now=timezone.now()) is False
