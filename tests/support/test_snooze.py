"""Snooze: through the status gate, out of the inbox, back on time or when the customer writes,
with its response targets paused meanwhile."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from chat import protocol
from support import automation, errors, hours, selectors, services
from support.models import AuditEvent, Conversation, ResponseTarget
from tests import factories

pytestmark = pytest.mark.django_db

Status = Conversation.Status


def test_snooze_moves_through_the_gate_and_leaves_the_inbox():
    agent = factories.agent()
    conversation = factories.queued_conversation()
    until = timezone.now() + timedelta(hours=2)
    services.conversation_snooze(conversation=conversation, by_user=agent.user, until=until)
    conversation.refresh_from_db()
    assert conversation.status == Status.SNOOZED
    assert conversation.snoozed_until == until and conversation.snoozed_at is not None
    record = AuditEvent.objects.filter(
        action=AuditEvent.Action.CONVERSATION_STATUS_CHANGED, conversation_ref=conversation.pk
    ).latest("pk")
    assert record.detail == {"from": "queued", "to": "snoozed", "reason": "snoozed"}
    active = selectors.conversation_list_for_inbox(profile=agent, view="all")
    assert conversation.pk not in [c.pk for c in active]
    snoozed = selectors.conversation_list_for_inbox(profile=agent, view="all", status="snoozed")
    assert [c.pk for c in snoozed] == [conversation.pk]
    assert selectors.inbox_counts(profile=agent)["all"] == 0


@pytest.mark.parametrize(
    ("until", "code"),
    [
        (lambda now: now - timedelta(minutes=1), "snooze_in_the_past"),
        (lambda now: now + timedelta(days=91), "snooze_too_long"),
    ],
)
def test_a_bad_snooze_time_is_refused_and_nothing_changes(until, code):
    agent = factories.agent()
    conversation = factories.queued_conversation()
    with pytest.raises(errors.InvalidInput) as raised:
        services.conversation_snooze(
            conversation=conversation, by_user=agent.user, until=until(timezone.now())
        )
    assert raised.value.code == code
    conversation.refresh_from_db()
    assert conversation.status == Status.QUEUED and conversation.snoozed_at is None


def test_bot_and_resolved_conversations_cannot_be_snoozed():
    agent = factories.agent()
    with_bot = factories.conversation()
    Conversation.objects.filter(pk=with_bot.pk).update(status=Status.BOT)
    with pytest.raises(errors.IllegalTransition):
        services.conversation_snooze(conversation=with_bot, by_user=agent.user)
    resolved = factories.queued_conversation()
    services.conversation_resolve(conversation=resolved, agent=agent.user)
    with pytest.raises(errors.IllegalTransition):
        services.conversation_snooze(conversation=resolved, by_user=agent.user)


def test_the_sweep_wakes_it_on_time_back_to_its_agent():
    agent = factories.agent()
    conversation = factories.queued_conversation()
    services.conversation_assign(conversation=conversation, to_user=agent.user, by_user=agent.user)
    until = timezone.now() + timedelta(minutes=30)
    services.conversation_snooze(conversation=conversation, by_user=agent.user, until=until)
    assert services.snoozed_wake_due(now=until - timedelta(seconds=1)) == []
    assert services.snoozed_wake_due(now=until + timedelta(seconds=1)) == [conversation.pk]
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN and conversation.assignee_id == agent.user_id
    assert conversation.snoozed_at is None and conversation.snoozed_until is None
    assert services.snoozed_wake_due(now=until + timedelta(minutes=5)) == []


def test_a_customer_message_wakes_it_into_the_queue_when_unassigned():
    agent = factories.agent()
    conversation = factories.queued_conversation()
    services.conversation_snooze(conversation=conversation, by_user=agent.user, until=None)
    conversation.refresh_from_db()
    assert conversation.snoozed_until is None
    assert services.snoozed_wake_due(now=timezone.now() + timedelta(days=30)) == []
    factories.message(conversation=conversation, body="Any news?")
    conversation.refresh_from_db()
    assert conversation.status == Status.QUEUED
    reasons = list(
        AuditEvent.objects.filter(
            action=AuditEvent.Action.CONVERSATION_STATUS_CHANGED, conversation_ref=conversation.pk
        )
        .order_by("pk")
        .values_list("detail__reason", flat=True)
    )
    assert reasons[-2:] == ["snoozed", "visitor_reply"]


def test_a_customer_message_wakes_it_to_an_online_agent():
    agent = factories.agent(online=True, capacity=0)
    conversation = factories.queued_conversation()
    services.conversation_snooze(conversation=conversation, by_user=agent.user)
    agent.capacity = 5
    agent.save(update_fields=["capacity"])
    factories.message(conversation=conversation, body="Any news?")
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN and conversation.assignee_id == agent.user_id


def test_its_response_targets_are_paused_while_snoozed():
    ResponseTarget.objects.update_or_create(
        priority="normal", defaults={"first_response_seconds": 600, "resolution_seconds": 3600}
    )
    agent = factories.agent()
    conversation = factories.queued_conversation()
    first_due, resolution_due = conversation.first_response_due_at, conversation.resolution_due_at
    assert first_due is not None
    until = timezone.now() + timedelta(hours=2)
    services.conversation_snooze(conversation=conversation, by_user=agent.user, until=until)
    # Its targets passed while snoozed: the SLA sweep leaves it alone.
    marked = automation.sla_sweep(now=timezone.now() + timedelta(hours=1, minutes=30))
    assert conversation.pk not in marked["first_response"] + marked["resolution"]
    # Two hours later (the gate reads the clock): snoozed two hours ago, due a second ago.
    now = timezone.now()
    Conversation.objects.filter(pk=conversation.pk).update(
        snoozed_at=now - timedelta(hours=2), snoozed_until=now - timedelta(seconds=1)
    )
    assert services.snoozed_wake_due() == [conversation.pk]
    conversation.refresh_from_db()
    paused = conversation.first_response_due_at - first_due
    assert timedelta(hours=2) - timedelta(seconds=5) < paused < timedelta(hours=2, seconds=5)
    assert conversation.resolution_due_at - resolution_due == paused
    assert conversation.first_response_breached_at is None


def test_an_agent_reply_or_resolve_ends_the_snooze():
    agent = factories.agent()
    conversation = factories.queued_conversation()
    services.conversation_snooze(conversation=conversation, by_user=agent.user)
    factories.message(conversation=conversation, sender_type="agent", agent_user=agent.user)
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN and conversation.snoozed_at is None
    services.conversation_snooze(conversation=conversation, by_user=agent.user)
    services.conversation_resolve(conversation=conversation, agent=agent.user)
    conversation.refresh_from_db()
    assert conversation.status == Status.RESOLVED and conversation.snoozed_at is None


def test_the_snooze_sweep_is_on_the_beat_schedule():
    from config.celery import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "support.tasks.snooze_sweep" in tasks


def test_the_visitor_sees_a_snoozed_conversation_as_open():
    agent = factories.agent()
    conversation = factories.queued_conversation()
    services.conversation_snooze(conversation=conversation, by_user=agent.user)
    conversation.refresh_from_db()
    assert protocol.conversation_to_dict(conversation)["status"] == "open"
    assert protocol.conversation_summary(conversation)["status"] == "open"


ISTANBUL = ZoneInfo("Europe/Istanbul")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def test_presets_are_on_the_agents_clock_not_the_servers():
    # Sunday 22:00 in Los Angeles is already Monday 09:00 in Istanbul (the server's zone).
    now = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    assert settings.TIME_ZONE == "Europe/Istanbul"
    agent = services.snooze_presets(time_zone=LOS_ANGELES, now=now)
    assert agent["tomorrow"] == datetime(2026, 12, 7, 9, 0, tzinfo=LOS_ANGELES)
    assert agent["next_week"] == datetime(2026, 12, 7, 9, 0, tzinfo=LOS_ANGELES)
    assert agent["1h"] == now + timedelta(hours=1) and agent["reply"] is None
    server = services.snooze_presets(time_zone=ISTANBUL, now=now)
    assert server["tomorrow"] == datetime(2026, 12, 8, 9, 0, tzinfo=ISTANBUL)
    assert server["next_week"] == datetime(2026, 12, 14, 9, 0, tzinfo=ISTANBUL)


def test_presets_across_a_daylight_saving_change():
    # Los Angeles falls back on Sunday 1 November 2026 at 02:00 (PDT, UTC-7, to PST, UTC-8).
    now = datetime(2026, 10, 31, 20, 0, tzinfo=LOS_ANGELES)  # Saturday evening, PDT
    presets = services.snooze_presets(time_zone=LOS_ANGELES, now=now)
    assert presets["tomorrow"].astimezone(UTC) == datetime(2026, 11, 1, 17, 0, tzinfo=UTC)
    assert presets["next_week"].astimezone(UTC) == datetime(2026, 11, 2, 17, 0, tzinfo=UTC)
    # An hour is an hour of elapsed time, not of the wall clock.
    night = datetime(2026, 11, 1, 8, 30, tzinfo=UTC)  # 01:30 PDT, the first of two
    later = services.snooze_presets(time_zone=LOS_ANGELES, now=night)["1h"]
    assert later - night == timedelta(hours=1)


def test_a_chosen_time_is_read_on_the_agents_clock():
    now = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    until = services.snooze_until_clean(
        until=datetime(2026, 12, 8, 10, 0), now=now, time_zone=LOS_ANGELES
    )
    assert until == datetime(2026, 12, 8, 18, 0, tzinfo=UTC)


def test_the_agents_zone_is_the_browsers_else_the_profiles():
    profile = factories.agent()
    profile.time_zone = "Asia/Tokyo"
    assert hours.agent_time_zone(profile=profile, browser="America/Los_Angeles") == LOS_ANGELES
    assert hours.agent_time_zone(profile=profile, browser="") == ZoneInfo("Asia/Tokyo")
    assert hours.agent_time_zone(profile=profile, browser="Mars/Olympus") == ZoneInfo("Asia/Tokyo")
    assert hours.agent_time_zone(profile=profile, browser="../../etc/passwd") == ZoneInfo(
        "Asia/Tokyo"
    )
    profile.time_zone = "nowhere"
    assert hours.agent_time_zone(profile=profile) == ISTANBUL
