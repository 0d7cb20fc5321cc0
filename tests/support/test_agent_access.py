"""The reply path's access check (message_send's lock with the agent's visibility rule, a
fixed statement) must say what the console's own visibility rule (support.visibility, used
by every list and page) says."""

import pytest
from django.db import transaction

from support import errors, selectors
from support.models import AgentProfile, Conversation
from tests import factories

pytestmark = pytest.mark.django_db


def fixed_check_allows(profile, conversation_id) -> bool:
    try:
        with transaction.atomic():
            selectors.conversation_lock_for_message(
                conversation_id=selectors.conversation_id_clean(conversation_id),
                visible_to=profile,
            )
    except errors.NotFound:
        return False
    return True


def orm_rule_allows(profile, conversation_id) -> bool:
    return Conversation.objects.filter(
        selectors._visible_to_agent_q(profile), pk=conversation_id
    ).exists()


@pytest.fixture
def world():
    own_team, other_team = factories.team(), factories.team()
    factories.topic(slug="payment", team=own_team)
    factories.topic(slug="order", team=other_team)
    own = factories.conversation(topic_slug="payment")
    others = factories.conversation(topic_slug="order")
    unrouted = factories.conversation()
    agent = factories.agent(teams=[own_team])
    assigned_elsewhere = factories.conversation(topic_slug="order")
    Conversation.objects.filter(pk=assigned_elsewhere.pk).update(assignee=agent.user)
    profiles = {
        "agent": agent,
        "teamless agent": factories.agent(),
        "other team's agent": factories.agent(teams=[other_team]),
        "supervisor": factories.agent(role=AgentProfile.Role.SUPERVISOR),
    }
    conversations = {
        "own team": own.pk,
        "other team": others.pk,
        "unrouted": unrouted.pk,
        "other team, assigned to agent": assigned_elsewhere.pk,
        "missing": Conversation.objects.order_by("-pk").values_list("pk", flat=True)[0] + 100,
    }
    return profiles, conversations


def test_the_fixed_check_agrees_with_the_visibility_rule_everywhere(world):
    profiles, conversations = world
    seen = set()
    for who, profile in profiles.items():
        for what, conversation_id in conversations.items():
            expected = orm_rule_allows(profile, conversation_id)
            assert fixed_check_allows(profile, conversation_id) == expected, (who, what)
            seen.add(expected)
    assert seen == {True, False}
    # Spot checks that the rule itself is what the console promises.
    assert fixed_check_allows(profiles["agent"], conversations["other team, assigned to agent"])
    assert not fixed_check_allows(profiles["agent"], conversations["other team"])
    assert fixed_check_allows(profiles["supervisor"], conversations["other team"])


@pytest.mark.parametrize("value", [None, "", "abc", "1.5", [], {}, -1, 0, 2**63, 10**30])
def test_malformed_ids_are_not_found(world, value):
    profiles, _conversations = world
    for profile in profiles.values():
        assert not fixed_check_allows(profile, value)
