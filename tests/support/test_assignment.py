"""Automatic assignment, the queue, presence, transfers and priorities (support/services.py)."""

import asyncio
import threading
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, connections
from django.utils import timezone

from chat import realtime
from support import errors, selectors, services
from support.models import AgentProfile, Conversation, PriorityRule
from tests import factories

Status = Conversation.Status


def fresh(conversation) -> Conversation:
    return Conversation.objects.get(pk=conversation.pk)


def open_count(profile) -> int:
    return Conversation.objects.filter(assignee=profile.user, status=Status.OPEN).count()


@pytest.fixture
def billing():
    team = factories.team(name="Billing")
    factories.topic(slug="payment", team=team)
    return team


@pytest.mark.django_db
class TestAutomaticAssignment:
    def test_a_new_conversation_goes_to_the_online_team_agent_with_fewest_open(self, billing):
        busy = factories.agent(teams=[billing], online=True)
        free = factories.agent(teams=[billing], online=True)
        services.conversation_assign(
            conversation=factories.conversation(), to_user=busy.user, by_user=busy.user
        )

        conversation = factories.conversation(topic_slug="payment")

        conversation = fresh(conversation)
        assert conversation.assignee_id == free.user_id
        assert conversation.status == Status.OPEN
        assert conversation.team_id == billing.pk

    def test_ties_go_to_the_agent_idle_longest(self, billing):
        recent = factories.agent(teams=[billing], online=True)
        idle = factories.agent(teams=[billing], online=True)
        AgentProfile.objects.filter(pk=recent.pk).update(last_assigned_at=timezone.now())
        AgentProfile.objects.filter(pk=idle.pk).update(
            last_assigned_at=timezone.now() - timedelta(hours=1)
        )

        conversation = factories.conversation(topic_slug="payment")

        assert fresh(conversation).assignee_id == idle.user_id

    @pytest.mark.parametrize("state", ["offline", "away", "stale"])
    def test_agents_who_are_not_online_get_nothing(self, billing, state):
        agent = factories.agent(teams=[billing], online=True)
        if state == "stale":
            AgentProfile.objects.filter(pk=agent.pk).update(
                last_seen_at=timezone.now() - timedelta(minutes=5)
            )
        else:
            AgentProfile.objects.filter(pk=agent.pk).update(presence=state)

        conversation = fresh(factories.conversation(topic_slug="payment"))

        assert conversation.assignee_id is None
        assert conversation.status == Status.QUEUED
        assert conversation.queued_at is not None

    def test_agents_of_other_teams_get_nothing_but_unrouted_chats_go_to_anyone(self, billing):
        other = factories.agent(teams=[factories.team()], online=True)

        routed = fresh(factories.conversation(topic_slug="payment"))
        unrouted = fresh(factories.conversation())

        assert routed.assignee_id is None
        assert unrouted.assignee_id == other.user_id

    def test_capacity_is_never_exceeded_and_the_rest_wait(self, billing):
        agent = factories.agent(teams=[billing], online=True, capacity=2)

        conversations = [fresh(factories.conversation(topic_slug="payment")) for _ in range(4)]

        assert [c.assignee_id for c in conversations] == [agent.user_id] * 2 + [None] * 2
        assert open_count(agent) == 2

    def test_response_targets_are_stamped_from_the_priority(self, billing):
        conversation = fresh(factories.conversation(topic_slug="payment"))

        assert conversation.first_response_due_at == conversation.queued_at + timedelta(minutes=2)
        assert conversation.resolution_due_at == conversation.queued_at + timedelta(hours=24)


@pytest.mark.django_db
class TestTheQueue:
    def test_freed_capacity_takes_the_head_urgent_first_then_first_come(self, billing):
        agent = factories.agent(teams=[billing], online=True, capacity=1)
        current = fresh(factories.conversation(topic_slug="payment"))
        older = factories.conversation(topic_slug="payment", body="older normal")
        newer = factories.conversation(topic_slug="payment", body="newer normal")
        urgent = factories.conversation(topic_slug="payment", body="urgent")
        services.conversation_set_priority(conversation=urgent, priority="urgent")
        assert current.assignee_id == agent.user_id

        services.conversation_resolve(conversation=current, agent=agent.user)
        assert fresh(urgent).assignee_id == agent.user_id
        assert fresh(older).assignee_id is None

        services.conversation_resolve(conversation=fresh(urgent), agent=agent.user)
        assert fresh(older).assignee_id == agent.user_id
        assert fresh(newer).assignee_id is None

    def test_positions_and_estimated_wait_follow_the_queue(self, billing):
        answered = factories.conversation(topic_slug="payment")
        Conversation.objects.filter(pk=answered.pk).update(
            queued_at=timezone.now() - timedelta(minutes=5),
            first_response_at=timezone.now() - timedelta(minutes=2),
        )
        waiting = [factories.conversation(topic_slug="payment") for _ in range(3)]

        infos = [selectors.conversation_queue_info(conversation=fresh(c)) for c in waiting]

        assert [info["position"] for info in infos] == [2, 3, 4]  # `answered` is still queued
        assert [info["estimated_wait_seconds"] for info in infos] == [360, 540, 720]

    def test_an_agent_coming_online_takes_waiting_chats_up_to_capacity(self, billing):
        agent = factories.agent(teams=[billing], capacity=2)
        waiting = [factories.conversation(topic_slug="payment") for _ in range(3)]

        services.agent_set_presence(profile=agent, presence="online")

        assert [fresh(c).assignee_id for c in waiting] == [agent.user_id] * 2 + [None]

    def test_a_heartbeat_after_a_gap_takes_waiting_chats(self, billing):
        agent = factories.agent(teams=[billing], online=True)
        AgentProfile.objects.filter(pk=agent.pk).update(
            last_seen_at=timezone.now() - timedelta(minutes=10)
        )
        waiting = factories.conversation(topic_slug="payment")
        assert fresh(waiting).assignee_id is None

        services.agent_heartbeat(profile=AgentProfile.objects.get(pk=agent.pk))

        assert fresh(waiting).assignee_id == agent.user_id

    def test_unassigning_returns_to_the_queue_and_someone_free_takes_it(self, billing):
        first = factories.agent(teams=[billing], online=True, capacity=1)
        conversation = fresh(factories.conversation(topic_slug="payment"))
        assert conversation.assignee_id == first.user_id
        second = factories.agent(teams=[billing], online=True)

        services.conversation_unassign(conversation=conversation, by_user=first.user)

        assert fresh(conversation).assignee_id in (first.user_id, second.user_id)
        assert fresh(conversation).status == Status.OPEN


@pytest.mark.django_db
class TestManualAssignmentAndTransfer:
    def test_taking_a_conversation(self, billing):
        agent = factories.agent(teams=[billing])
        conversation = factories.conversation(topic_slug="payment")

        services.conversation_assign(
            conversation=conversation, to_user=agent.user, by_user=agent.user
        )

        conversation = fresh(conversation)
        assert conversation.assignee_id == agent.user_id
        assert conversation.status == Status.OPEN
        assert not conversation.messages.filter(sender_type="system").exists()

    def test_giving_it_to_a_colleague_says_so(self, billing):
        agent = factories.agent(teams=[billing], display_name="Ayşe")
        colleague = factories.agent(teams=[billing], display_name="Mert")
        conversation = factories.conversation(topic_slug="payment")

        services.conversation_assign(
            conversation=conversation, to_user=colleague.user, by_user=agent.user
        )

        assert fresh(conversation).assignee_id == colleague.user_id
        system = conversation.messages.get(sender_type="system")
        assert system.body == "Ayşe assigned this conversation to Mert."

    def test_assigning_to_a_non_agent_or_a_resolved_conversation_is_refused(self, billing):
        from django.contrib.auth import get_user_model

        agent = factories.agent()
        stranger = get_user_model().objects.create_user(username="stranger")
        conversation = factories.conversation()
        with pytest.raises(errors.InvalidInput):
            services.conversation_assign(
                conversation=conversation, to_user=stranger, by_user=agent.user
            )
        resolved = factories.resolved_conversation()
        with pytest.raises(errors.Conflict):
            services.conversation_assign(
                conversation=resolved, to_user=agent.user, by_user=agent.user
            )

    def test_moving_to_another_topic_routes_to_its_team_with_a_system_message(self, billing):
        shipping = factories.team(name="Shipping")
        factories.topic(slug="delivery", team=shipping, name_en="Delivery")
        billing_agent = factories.agent(teams=[billing], online=True, display_name="Ayşe")
        shipping_agent = factories.agent(teams=[shipping], online=True)
        conversation = fresh(factories.conversation(topic_slug="payment"))
        assert conversation.assignee_id == billing_agent.user_id

        services.conversation_transfer(
            conversation=conversation, by_user=billing_agent.user, topic_slug="delivery"
        )

        conversation = fresh(conversation)
        assert conversation.topic.slug == "delivery"
        assert conversation.team_id == shipping.pk
        assert conversation.assignee_id == shipping_agent.user_id
        assert conversation.messages.filter(
            sender_type="system", body="Ayşe moved this conversation to Delivery."
        ).exists()

    def test_moving_keeps_an_assignee_who_is_in_the_new_team(self, billing):
        shipping = factories.team(name="Shipping")
        agent = factories.agent(teams=[billing, shipping], online=True)
        conversation = fresh(factories.conversation(topic_slug="payment"))

        services.conversation_transfer(
            conversation=conversation, by_user=agent.user, team_id=shipping.pk
        )

        assert fresh(conversation).assignee_id == agent.user_id
        assert fresh(conversation).team_id == shipping.pk

    @pytest.mark.parametrize(
        ("kwargs", "error"),
        [({}, errors.InvalidInput), ({"topic_slug": "nope"}, errors.InvalidInput)],
    )
    def test_bad_transfers_are_refused(self, kwargs, error):
        agent = factories.agent()
        with pytest.raises(error):
            services.conversation_transfer(
                conversation=factories.conversation(), by_user=agent.user, **kwargs
            )


@pytest.mark.django_db
class TestPriority:
    def test_agents_change_priority_and_the_due_time_follows(self, billing):
        conversation = fresh(factories.conversation(topic_slug="payment"))

        services.conversation_set_priority(conversation=conversation, priority="urgent")

        conversation = fresh(conversation)
        assert conversation.priority == "urgent"
        assert conversation.first_response_due_at == conversation.queued_at + timedelta(minutes=1)
        with pytest.raises(errors.InvalidInput):
            services.conversation_set_priority(conversation=conversation, priority="huge")

    def test_keyword_rules_raise_priority_on_the_first_and_later_messages(self, billing):
        PriorityRule.objects.create(keyword="çöktü", priority="urgent")
        PriorityRule.objects.create(keyword="refund", priority="high")
        PriorityRule.objects.create(keyword="ignored", priority="urgent", is_active=False)

        first = fresh(factories.conversation(body="Sistem ÇÖKTÜ!"))
        later = factories.conversation(body="hello ignored")
        assert first.priority == "urgent"
        assert fresh(later).priority == "normal"
        factories.message(conversation=later, body="I want a refund")
        assert fresh(later).priority == "high"

    def test_topic_default_priority(self):
        factories.topic(slug="outage", default_priority="high")
        assert fresh(factories.conversation(topic_slug="outage")).priority == "high"


class VisitorChannel:
    """A channel in a contact's visitor group, where their socket would be."""

    def __init__(self, contact):
        self.layer = get_channel_layer()
        self.channel = async_to_sync(self.layer.new_channel)()
        async_to_sync(self.layer.group_add)(realtime.visitor_group(contact.pk), self.channel)

    def frames(self) -> list[dict]:
        """The frames sent to the visitor, until a second passes with none."""

        async def receive():
            received = []
            while True:
                try:
                    event = await asyncio.wait_for(self.layer.receive(self.channel), timeout=1)
                except TimeoutError:
                    return received
                received.append(event["frame"])

        return async_to_sync(receive)()


@pytest.mark.django_db(transaction=True)
def test_queue_moves_reach_waiting_visitors_with_their_new_place(in_memory_layer, billing):
    agent = factories.agent(teams=[billing], online=True, capacity=1)
    busy = fresh(factories.conversation(topic_slug="payment"))
    contact, _token = factories.visitor()
    waiting = fresh(factories.conversation(topic_slug="payment"))
    third = fresh(factories.conversation(contact=contact, topic_slug="payment"))
    assert selectors.conversation_queue_info(conversation=third)["position"] == 2

    visitor = VisitorChannel(contact)
    services.conversation_resolve(conversation=busy, agent=agent.user)

    assert fresh(waiting).assignee_id == agent.user_id

    queues = [
        f["conversation"]["queue"] for f in visitor.frames() if f["type"] == "conversation.updated"
    ]
    assert queues[-1] == {
        "position": 1,
        "estimated_wait_seconds": queues[-1]["estimated_wait_seconds"],
    }


@pytest.mark.django_db(transaction=True)
def test_the_last_agent_going_offline_offers_the_email_form_to_those_waiting(
    in_memory_layer, billing
):
    agent = factories.agent(teams=[billing], online=True, capacity=1)
    factories.conversation(topic_slug="payment")  # takes the agent's only seat
    contact, _token = factories.visitor()
    waiting = fresh(factories.conversation(contact=contact, topic_slug="payment"))
    assert waiting.assignee_id is None
    visitor = VisitorChannel(contact)

    services.agent_set_presence(profile=agent, presence="offline")

    updated = visitor.frames()[0]
    assert updated["type"] == "conversation.updated"
    assert updated["conversation"]["id"] == waiting.pk
    assert updated["conversation"]["email_offer"] is True


@pytest.mark.django_db(transaction=True)
def test_parallel_assignments_never_exceed_capacity_nor_double_assign(billing):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are what this proves: needs PostgreSQL (DATABASE_URL)")
    agents = [factories.agent(teams=[billing], online=True, capacity=2) for _ in range(2)]
    contacts = [factories.visitor()[0] for _ in range(12)]
    barrier = threading.Barrier(len(contacts))
    failures = []

    def start(contact):
        try:
            barrier.wait(timeout=10)
            factories.conversation(contact=contact, topic_slug="payment")
        except Exception as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start, args=(c,)) for c in contacts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert Conversation.objects.count() == 12
    for agent in agents:
        assert open_count(agent) == 2
    assert Conversation.objects.filter(assignee__isnull=False).count() == 4
    assert Conversation.objects.filter(status=Status.QUEUED, assignee__isnull=True).count() == 8


@pytest.mark.django_db(transaction=True)
def test_a_chat_requeued_when_its_only_agent_left_offers_the_visitor_the_email_form(
    in_memory_layer, billing
):
    """What the mid-chat browser test sees: the requeue sweep (support.automation) reaches the
    visitor through conversation.updated (the dispatcher, chat's listener), with email_offer."""
    from support import automation

    agent = factories.agent(teams=[billing], online=True)
    contact, _token = factories.visitor()
    conversation = factories.conversation(contact=contact, topic_slug="payment")
    assert conversation.assignee_id == agent.user_id
    services.agent_set_presence(profile=agent, presence="offline")
    visitor = VisitorChannel(contact)

    later = timezone.now() + timedelta(hours=1)
    assert automation.offline_agents_requeue(now=later) == [conversation.pk]

    updates = [
        f["conversation"]
        for f in visitor.frames()
        if f["type"] == "conversation.updated" and f["conversation"]["id"] == conversation.pk
    ]
    assert updates, "the visitor was not told their chat went back to the queue"
    assert updates[-1]["status"] == Status.QUEUED
    assert updates[-1]["assignee"] is None
    assert updates[-1]["email_offer"] is True
