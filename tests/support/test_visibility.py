"""support/visibility.py: every form of "who may see a conversation" says what the Q form says,
for every role, team membership and assignment."""

import itertools

import pytest
from django.db import connection

from support import visibility
from support.models import AgentProfile, Conversation
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    team_a, team_b = factories.team(), factories.team()
    profiles = [
        factories.agent(role=AgentProfile.Role.SUPERVISOR),
        factories.agent(role=AgentProfile.Role.SUPERVISOR, teams=[team_a]),
        factories.agent(teams=[team_a]),
        factories.agent(teams=[team_a, team_b]),
        factories.agent(teams=[team_b]),
        factories.agent(),
    ]
    conversations = []
    # Every team (none, a, b) with every assignee (none, each agent).
    for team, assignee in itertools.product(
        (None, team_a, team_b), (None, *(p.user for p in profiles))
    ):
        conversation = factories.conversation()
        Conversation.objects.filter(pk=conversation.pk).update(team=team, assignee=assignee)
        conversations.append(Conversation.objects.get(pk=conversation.pk))
    return profiles, conversations


def q_form(profile) -> set[int]:
    return set(
        Conversation.objects.filter(
            visibility.conversation_visible_to_agent_q(profile)
        ).values_list("pk", flat=True)
    )


def sql_form(profile) -> set[int]:
    if profile.is_supervisor:  # the SQL form is for agents only: supervisors are not filtered
        return set(Conversation.objects.values_list("pk", flat=True))
    table = connection.ops.quote_name(Conversation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {table}.id FROM {table} WHERE "  # noqa: S608
            + visibility.agent_visibility_sql(connection),
            visibility.agent_visibility_params(profile),
        )
        return {row[0] for row in cursor.fetchall()}


def test_the_sql_form_selects_what_the_q_form_selects(world):
    profiles, _ = world
    for profile in profiles:
        assert sql_form(profile) == q_form(profile), profile


def test_the_rule_on_a_loaded_conversation_agrees_with_the_q_form(world):
    profiles, conversations = world
    for profile in profiles:
        allowed = q_form(profile)
        for conversation in conversations:
            assert visibility.conversation_visible_to_agent(
                profile=profile, conversation=conversation
            ) == (conversation.pk in allowed), (profile, conversation.team_id)


def test_the_agents_who_may_see_a_conversation_are_those_the_q_form_lets_see_it(world):
    profiles, conversations = world
    allowed = {profile.pk: q_form(profile) for profile in profiles}
    for conversation in conversations:
        who = set(
            AgentProfile.objects.filter(visibility.agents_who_may_see_q(conversation)).values_list(
                "pk", flat=True
            )
        )
        assert who == {pk for pk, seen in allowed.items() if conversation.pk in seen}


def test_the_rule_reaches_messages_through_their_conversation(world):
    profiles, conversations = world
    for conversation in conversations:
        factories.message(conversation=conversation)
    from support.models import Message

    for profile in profiles:
        through = set(
            Message.objects.filter(
                visibility.conversation_visible_to_agent_q(profile, prefix="conversation__")
            ).values_list("conversation_id", flat=True)
        )
        assert through == q_form(profile)


def test_an_api_token_sees_its_widget_or_every_widget():
    own, other = factories.widget(), factories.widget()
    factories.visitor(widget_obj=own)
    factories.visitor(widget_obj=other)
    from support.models import Contact

    assert set(
        Contact.objects.filter(visibility.widget_scope_q(own.pk)).values_list(
            "widget_id", flat=True
        )
    ) == {own.pk}
    assert Contact.objects.filter(visibility.widget_scope_q(None)).count() == 2
