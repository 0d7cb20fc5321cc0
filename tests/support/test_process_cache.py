"""support.process_cache: configuration rows read per message, kept per process briefly."""

import threading

import pytest
from django.db import connection, transaction

from support import process_cache
from support import services as support_services
from support.models import AgentProfile, PriorityRule
from support.selectors import agents as support_agents
from support.services import queue as support_queue
from support.services import teams as support_teams
from tests import factories

# Committed rows, as in production: inside a test's transaction every change is uncommitted.
pytestmark = pytest.mark.django_db(transaction=True)


def rules():
    return support_queue._active_priority_rules()


def test_rules_are_read_once_then_served_from_the_process(django_assert_num_queries):
    PriorityRule.objects.create(keyword="iade", priority="high")
    with django_assert_num_queries(1):
        rules()
    with django_assert_num_queries(0):
        assert rules() == [("iade", "high")]


def test_a_save_or_delete_in_this_process_is_seen_at_once():
    rule = PriorityRule.objects.create(keyword="iade", priority="high")
    assert rules() == [("iade", "high")]

    rule.is_active = False
    rule.save()
    assert rules() == []

    rule.is_active = True
    rule.save()
    assert rules() == [("iade", "high")]
    rule.delete()
    assert rules() == []


def test_a_bulk_update_is_seen_after_the_time_to_live(monkeypatch):
    """QuerySet.update() sends no signal: like another process's change, it shows within
    the time to live."""
    PriorityRule.objects.create(keyword="iade", priority="high")
    assert rules() == [("iade", "high")]
    PriorityRule.objects.update(priority="urgent")
    assert rules() == [("iade", "high")]

    clock = [1000.0]
    monkeypatch.setattr(process_cache.time, "monotonic", lambda: clock[0])
    support_queue._priority_rules_active.clear()
    assert rules() == [("iade", "urgent")]
    PriorityRule.objects.update(priority="high")
    clock[0] += process_cache.DEFAULT_TTL_SECONDS - 0.1
    assert rules() == [("iade", "urgent")]
    clock[0] += 0.2
    assert rules() == [("iade", "high")]


def test_a_rule_saved_in_a_rolled_back_transaction_is_never_served():
    assert rules() == []
    with pytest.raises(RuntimeError), transaction.atomic():
        PriorityRule.objects.create(keyword="geçici", priority="high")
        assert rules() == [("geçici", "high")]  # the writer sees its own row
        raise RuntimeError
    assert rules() == []


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite locks the table for the other thread's read"
)
def test_until_commit_other_threads_keep_reading_the_committed_rows():
    seen = []

    def read():
        seen.append(rules())
        connection.close()

    with transaction.atomic():
        PriorityRule.objects.create(keyword="iade", priority="high")
        reader = threading.Thread(target=read)
        reader.start()
        reader.join()
    assert seen == [[]]
    assert rules() == [("iade", "high")]


# The agents' copy (every account): reloaded only when its stamp, shared by the processes
# through Django's cache, says an agent or user changed. "Another process" here is a second
# copy of the same table that no signal of this process reaches: it learns of a change only
# through the stamp, as a second web process does.


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(process_cache.time, "monotonic", lambda: now[0])
    return now


def other_process_agents():
    copy = support_agents._agent_users_by_id
    return process_cache.ProcessCache(copy.load, models=(), stamp=copy.stamp)


def test_an_unchanged_agents_table_is_not_reloaded_after_the_time_to_live(
    clock, django_assert_num_queries
):
    agent = factories.agent()
    other = other_process_agents()
    assert other.get()[agent.user_id].agent_profile.name == agent.name
    clock[0] += process_cache.DEFAULT_TTL_SECONDS + 1
    with django_assert_num_queries(0):
        assert agent.user_id in other.get()


def test_a_presence_set_in_bulk_is_seen_by_other_processes(clock):
    other = other_process_agents()
    agent = factories.agent()
    assert other.get()[agent.user_id].agent_profile.presence == AgentProfile.Presence.OFFLINE
    support_services.agent_set_presence(profile=agent, presence=AgentProfile.Presence.ONLINE)
    clock[0] += process_cache.DEFAULT_TTL_SECONDS + 1
    assert other.get()[agent.user_id].agent_profile.presence == AgentProfile.Presence.ONLINE


@pytest.mark.parametrize(
    "change, read",
    [
        (lambda agent: setattr(agent, "capacity", 9) or agent.save(), lambda p: p.capacity),
        (
            lambda agent: setattr(agent, "display_name", "Zeynep") or agent.save(),
            lambda p: p.name,
        ),
        (
            lambda agent: setattr(agent.user, "first_name", "Ayşe") or agent.user.save(),
            lambda p: p.user.first_name,
        ),
    ],
    ids=["capacity", "display name", "user"],
)
def test_an_agent_saved_in_one_process_is_seen_by_the_others(clock, change, read):
    """At once in the writing process (its signal), within the time to live in the others."""
    agent = factories.agent()
    other = other_process_agents()
    before = read(other.get()[agent.user_id].agent_profile)
    with transaction.atomic():
        change(agent)
    after = read(agent)
    assert after != before
    assert read(support_agents._agent_users_by_id.get()[agent.user_id].agent_profile) == after
    assert read(other.get()[agent.user_id].agent_profile) == before
    clock[0] += process_cache.DEFAULT_TTL_SECONDS + 1
    assert read(other.get()[agent.user_id].agent_profile) == after


def test_an_agent_added_to_a_team_is_seen_by_the_others(clock):
    agent, supervisor = factories.agent(), factories.supervisor()
    team = factories.team()
    other = other_process_agents()
    other.get()
    stamp = other._stamp_loaded
    support_teams.team_member_add(actor=supervisor, team_id=team.pk, agent_id=agent.pk)
    clock[0] += process_cache.DEFAULT_TTL_SECONDS + 1
    assert other._stamp_read() != stamp
    assert list(other.get()[agent.user_id].agent_profile.teams.all()) == [team]


def test_an_agent_change_rolled_back_leaves_the_stamp_alone():
    agent = factories.agent()
    other = other_process_agents()
    other.get()
    stamp = other._stamp_loaded
    with pytest.raises(RuntimeError), transaction.atomic():
        agent.display_name = "Geçici"
        agent.save()
        raise RuntimeError
    assert other._stamp_read() == stamp
