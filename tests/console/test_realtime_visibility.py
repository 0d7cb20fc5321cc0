"""One rule for who may see a conversation, live too: the console groups a conversation is
published to and the groups a console joins agree with the visibility Q (support.selectors)
for every role, team and assignment, and the live inbox lists what the inbox page lists."""

import itertools

import pytest

from console import realtime
from support import errors, selectors
from support.models import Conversation
from tests import factories

pytestmark = pytest.mark.django_db


def place(conversation, *, team, assignee, status="open", priority="normal"):
    Conversation.objects.filter(pk=conversation.pk).update(
        team=team, assignee=assignee, status=status, priority=priority
    )
    return selectors.conversation_get_for_inbox_row(conversation_id=conversation.pk)


def q_says_visible(profile, conversation) -> bool:
    try:
        selectors.conversation_get_for_agent(profile=profile, conversation_id=conversation.pk)
    except errors.NotFound:
        return False
    return True


def groups_say_visible(profile, conversation) -> bool:
    joined = realtime.agent_groups(
        user_id=profile.user_id,
        is_supervisor=profile.is_supervisor,
        team_ids=selectors.agent_team_ids(profile=profile),
    )
    return realtime.may_see(joined, realtime.console_inbox_groups(conversation))


def test_the_groups_agree_with_the_visibility_rule_for_every_combination():
    team_a, team_b = factories.team(), factories.team()
    colleague = factories.agent(teams=[team_a])
    conversation = factories.conversation()
    memberships = [[], [team_a], [team_b], [team_a, team_b]]
    checked = 0
    for role, teams in itertools.product(("agent", "supervisor"), memberships):
        profile = factories.agent(role=role, teams=teams)
        for team, assignee in itertools.product(
            (None, team_a, team_b), (None, profile.user, colleague.user)
        ):
            row = place(conversation, team=team, assignee=assignee)
            expected = q_says_visible(profile, row)
            assert groups_say_visible(profile, row) == expected, (role, teams, team, assignee)
            checked += 1
    assert checked == 2 * 4 * 3 * 3
    # Both answers occur: the check above is not vacuous.
    outsider = factories.agent(teams=[team_b])
    assert not groups_say_visible(outsider, place(conversation, team=team_a, assignee=None))
    assert groups_say_visible(outsider, place(conversation, team=None, assignee=None))


def test_live_rows_are_listed_by_the_same_filters_as_the_inbox_page():
    team_a, team_b = factories.team(), factories.team()
    factories.topic(slug="billing", team=team_a)
    label = factories.label(name="vip")
    me = factories.agent(teams=[team_a])
    other = factories.agent(teams=[team_a])
    placements = []
    for team, assignee, status, priority in itertools.product(
        (None, team_a, team_b),
        (None, me.user, other.user),
        # Snoozed (issue 24.3) leaves the active inbox and has its own filter.
        ("queued", "open", "resolved", "snoozed"),
        ("normal", "urgent"),
    ):
        conversation = factories.conversation(topic_slug="billing" if team == team_a else None)
        place(conversation, team=team, assignee=assignee, status=status, priority=priority)
        placements.append(conversation.pk)
    labelled = Conversation.objects.get(pk=placements[4])
    labelled.labels.add(label)
    rows = {
        pk: realtime.row_facts(selectors.conversation_get_for_inbox_row(conversation_id=pk))
        for pk in placements
    }
    team_ids = selectors.agent_team_ids(profile=me)
    filter_sets = itertools.product(
        selectors.INBOX_VIEWS,
        ("active", "open", "resolved", "snoozed"),
        ("", "urgent"),
        ("", "billing"),
        (None, label.pk),
    )
    for view, status, priority, topic, label_id in filter_sets:
        filters = {
            "view": view,
            "status": status,
            "priority": priority,
            "topic": topic,
            "label": label_id,
        }
        listed = {
            c.pk for c in selectors.conversation_list_for_inbox(profile=me, limit=1000, **filters)
        }
        live = {
            pk
            for pk, row in rows.items()
            if realtime.may_see(
                realtime.agent_groups(user_id=me.user_id, is_supervisor=False, team_ids=team_ids),
                realtime.conversation_groups(
                    team_id=row["team_id"], assignee_id=row["assignee_id"]
                ),
            )
            and realtime.inbox_row_matches(
                row, filters=filters, user_id=me.user_id, team_ids=team_ids
            )
        }
        assert live == listed, filters


def test_live_rows_follow_the_inbox_channel_filter():
    team = factories.team()
    me = factories.agent(teams=[team])
    placements = []
    for channel, assignee, status in itertools.product(
        Conversation.Channel.values, (None, me.user), ("queued", "open", "resolved")
    ):
        conversation = factories.conversation()
        Conversation.objects.filter(pk=conversation.pk).update(channel=channel)
        place(conversation, team=team, assignee=assignee, status=status)
        placements.append(conversation.pk)
    rows = {
        pk: realtime.row_facts(selectors.conversation_get_for_inbox_row(conversation_id=pk))
        for pk in placements
    }
    team_ids = selectors.agent_team_ids(profile=me)
    for view, status, channel in itertools.product(
        selectors.INBOX_VIEWS, ("active", "resolved"), ("", *Conversation.Channel.values)
    ):
        filters = {"view": view, "status": status, "channel": channel}
        listed = {
            c.pk for c in selectors.conversation_list_for_inbox(profile=me, limit=1000, **filters)
        }
        live = {
            pk
            for pk, row in rows.items()
            if realtime.inbox_row_matches(
                row, filters=filters, user_id=me.user_id, team_ids=team_ids
            )
        }
        assert live == listed, filters
        if channel:
            # Not vacuous: a channel's filter lists some rows and leaves the others out.
            assert live and all(rows[pk]["channel"] == channel for pk in live), filters
