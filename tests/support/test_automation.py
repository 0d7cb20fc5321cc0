"""Background-job rules (support.automation) with a frozen clock.

The clock: services take `now=`; flows that go through other services (messages, queueing)
read `timezone.now()`, which the `clock` fixture (tests/support/conftest.py) freezes and moves.
"""

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from celery import Celery
from django.core import mail
from django.utils import timezone

from console import realtime
from support import automation, selectors, tasks
from support import services as support_services
from support.models import Conversation, Message, Team
from tests import factories

pytestmark = pytest.mark.django_db

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks, monkeypatch):
    """Run the on-commit callbacks (eager tasks, realtime events) of each helper's commit."""
    monkeypatch.setattr(
        "tests.support.test_automation._commits",
        lambda: django_capture_on_commit_callbacks(execute=True),
    )


def _commits():
    return contextlib.nullcontext()


def weekday_team(*, zone, days=(MON, TUE, WED, THU, FRI), opens="09:00", closes="17:00", **kw):
    team = factories.hours_team(time_zone=zone, **kw)
    for weekday in days:
        factories.business_hours(team=team, weekday=weekday, opens=opens, closes=closes)
    return team


def start(team, *, locale="en", zone="Europe/Istanbul", body="Hello?") -> Conversation:
    topic = factories.topic(team=team)
    contact, _token = factories.visitor(locale=locale, device={"timezone": zone})
    with _commits():
        return factories.conversation(contact=contact, topic_slug=topic.slug, body=body)


def visitor_says(conversation, body="Anyone there?") -> Message:
    from support import services as support_services

    with _commits():
        message, _created = support_services.visitor_message_send(
            conversation=conversation, body=body, client_id=f"c-{timezone.now().timestamp()}"
        )
    return message


def bot_replies(conversation) -> list[str]:
    bots = conversation.messages.filter(sender_type="bot").order_by("id")
    return list(bots.values_list("body", flat=True))


# --- Out-of-hours auto-reply -------------------------------------------------------------


def test_one_auto_reply_per_closed_period_across_midnight_in_the_visitors_language(
    clock, run_on_commit
):
    team = weekday_team(zone="Europe/Istanbul", message_tr="Şu an kapalıyız.")
    # Monday 1 June 2026 18:00 in Istanbul (UTC+3): closed until Tuesday 09:00.
    clock.now = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)
    conversation = start(team, locale="tr", zone="Europe/Berlin")

    # Tuesday 09:00 Istanbul is 08:00 in Berlin (CEST), all in Turkish.
    assert bot_replies(conversation) == [
        "Şu an kapalıyız. Salı 2 Haziran 08:00 itibarıyla yeniden buradayız. "
        "Mesajınızı buraya bırakın, size yanıt vereceğiz."
    ]
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.QUEUED
    assert conversation.after_hours_reply_until == datetime(2026, 6, 2, 6, 0, tzinfo=UTC)

    for later in (
        datetime(2026, 6, 1, 20, 30, tzinfo=UTC),  # 23:30 local
        datetime(2026, 6, 1, 21, 30, tzinfo=UTC),  # 00:30 local, past midnight
        datetime(2026, 6, 2, 5, 59, tzinfo=UTC),  # 08:59 local
    ):
        clock.now = later
        visitor_says(conversation)
    assert len(bot_replies(conversation)) == 1

    clock.now = datetime(2026, 6, 2, 7, 0, tzinfo=UTC)  # open: no auto-reply
    visitor_says(conversation)
    assert len(bot_replies(conversation)) == 1

    clock.now = datetime(2026, 6, 2, 14, 30, tzinfo=UTC)  # Tuesday 17:30: the next period
    visitor_says(conversation)
    replies = bot_replies(conversation)
    assert len(replies) == 2
    assert "Çarşamba 3 Haziran 08:00" in replies[1]
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.QUEUED


def test_closed_period_across_a_dst_change_names_the_local_opening_time(clock, run_on_commit):
    team = weekday_team(zone="Europe/Berlin")
    # Friday 28 March 2025 18:00 CET; clocks go forward on Sunday 30 March.
    clock.now = datetime(2025, 3, 28, 17, 0, tzinfo=UTC)
    conversation = start(team, locale="en", zone="Europe/Berlin")

    # Said once: when we are back and to leave a message (not the default line, then again).
    assert bot_replies(conversation) == [
        "We're away right now. We're back Monday 31 March 09:00. Leave a message and we'll reply."
    ]
    conversation.refresh_from_db()
    # 09:00 CEST is 07:00 UTC (it was 08:00 UTC before the change).
    assert conversation.after_hours_reply_until == datetime(2025, 3, 31, 7, 0, tzinfo=UTC)

    clock.now = datetime(2025, 3, 30, 10, 0, tzinfo=UTC)  # Sunday, after the change
    visitor_says(conversation)
    clock.now = datetime(2025, 3, 31, 6, 59, tzinfo=UTC)  # Monday 08:59 CEST
    visitor_says(conversation)
    assert len(bot_replies(conversation)) == 1

    clock.now = datetime(2025, 3, 31, 15, 30, tzinfo=UTC)  # Monday 17:30 CEST
    visitor_says(conversation)
    assert bot_replies(conversation)[1] == (
        "We're away right now. We're back Tuesday 1 April 09:00. Leave a message and we'll reply."
    )


def test_a_redelivered_task_sends_nothing_twice(clock, django_capture_on_commit_callbacks):
    team = weekday_team(zone="Europe/Istanbul", days=(SAT,))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        conversation = start(team)
    assert callbacks, "the auto-reply is enqueued on commit"
    message = conversation.messages.get(sender_type="visitor")

    for _delivery in range(3):
        tasks.after_hours_reply.apply(args=(conversation.pk, message.pk))
    assert len(bot_replies(conversation)) == 1

    # Another message's task in the same closed period finds the period claimed.
    other = factories.message(conversation=conversation, body="hello again")
    assert tasks.after_hours_reply.apply(args=(conversation.pk, other.pk)).get() is False
    assert len(bot_replies(conversation)) == 1


def test_no_auto_reply_while_open_or_after_an_agent_answered(clock, run_on_commit):
    team = weekday_team(zone="Europe/Istanbul", days=(MON,))  # Monday 10:00 local: open
    conversation = start(team)
    assert bot_replies(conversation) == []

    agent = factories.agent(teams=[team])
    factories.message(conversation=conversation, sender_type="agent", agent_user=agent.user)
    clock.now = datetime(2026, 6, 1, 16, 0, tzinfo=UTC)  # 19:00 local: closed
    visitor_says(conversation)
    assert bot_replies(conversation) == []


def test_the_bots_hand_off_notice_counts_as_the_periods_auto_reply(clock, run_on_commit):
    team = weekday_team(zone="Europe/Istanbul", days=(SAT,))
    topic = factories.topic(team=team)
    contact, _token = factories.visitor(widget_obj=factories.widget(bot_enabled=True))
    with _commits():
        conversation = factories.conversation(contact=contact, topic_slug=topic.slug)
    visitor_says(conversation)

    replies = bot_replies(conversation)
    assert len(replies) == 1
    assert "We're back Saturday" in replies[0]


def test_nobody_online_auto_reply_only_when_the_team_asks_for_it(clock, run_on_commit):
    team = factories.team()  # no hours: always open
    conversation = start(team)
    assert bot_replies(conversation) == []

    Team.objects.filter(pk=team.pk).update(auto_reply_when_nobody_online=True)
    conversation = start(team)
    assert bot_replies(conversation) == [
        "Nobody from our team is online right now. Leave your message here and we'll reply "
        "as soon as someone is back."
    ]
    visitor_says(conversation)
    assert len(bot_replies(conversation)) == 1  # once a day for an always-open team

    factories.agent(teams=[team], online=True)
    conversation = start(team)
    assert bot_replies(conversation) == []


# --- SLA ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("priority", "first_response_seconds"), [("normal", 120), ("urgent", 60)])
def test_first_response_breach_threshold_per_priority(clock, priority, first_response_seconds):
    team = factories.team()
    topic = factories.topic(team=team, default_priority=priority)
    conversation = factories.conversation(topic_slug=topic.slug)
    queued_at = conversation.queued_at

    before = queued_at + timedelta(seconds=first_response_seconds - 1)
    assert automation.sla_sweep(now=before)["first_response"] == []
    at = queued_at + timedelta(seconds=first_response_seconds)
    assert automation.sla_sweep(now=at)["first_response"] == []  # due, not yet missed
    after = queued_at + timedelta(seconds=first_response_seconds + 1)
    assert automation.sla_sweep(now=after)["first_response"] == [conversation.pk]

    conversation.refresh_from_db()
    assert conversation.first_response_breached_at == after
    assert conversation.resolution_breached_at is None
    assert conversation.sla_breached


def test_a_breach_is_marked_announced_and_emailed_once(clock, run_on_commit, monkeypatch):
    team = factories.team()
    lead = factories.supervisor(teams=[team])
    lead.user.email = "lead@example.com"
    lead.user.save()
    boss = factories.supervisor()  # another team's supervisor: not told
    boss.user.email = "boss@example.com"
    boss.user.save()
    conversation = start(team)
    updates = []
    monkeypatch.setattr(
        realtime, "conversation_changed", lambda conversation, **kw: updates.append(conversation.pk)
    )

    late = clock.now + timedelta(minutes=3)
    for _sweep in range(3):
        with _commits():
            automation.sla_sweep(now=late)

    assert updates == [conversation.pk]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["lead@example.com"]
    assert "First response overdue" in mail.outbox[0].subject


def test_unrouted_breaches_go_to_every_supervisor_and_resolution_too(clock, run_on_commit):
    for name in ("a", "b"):
        profile = factories.supervisor(teams=[factories.team()])
        profile.user.email = f"{name}@example.com"
        profile.user.save()
    conversation = factories.conversation()  # no topic: no team
    agent = factories.agent()
    factories.message(conversation=conversation, sender_type="agent", agent_user=agent.user)

    with _commits():
        marked = automation.sla_sweep(now=clock.now + timedelta(hours=25))

    assert marked == {"first_response": [], "resolution": [conversation.pk]}
    assert [m.to for m in mail.outbox] == [["a@example.com", "b@example.com"]]
    assert "Resolution overdue" in mail.outbox[0].subject


def test_answered_or_resolved_conversations_are_not_breached(clock):
    agent = factories.agent()
    answered = factories.conversation()
    factories.message(conversation=answered, sender_type="agent", agent_user=agent.user)
    resolved = factories.resolved_conversation()

    marked = automation.sla_sweep(now=clock.now + timedelta(minutes=10))

    assert marked == {"first_response": [], "resolution": []}
    assert not Conversation.objects.filter(pk__in=[answered.pk, resolved.pk]).filter(
        first_response_breached_at__isnull=False
    )


def test_breached_conversations_sort_first_and_show_a_badge(clock):
    supervisor = factories.supervisor()
    topic = factories.topic(default_priority="urgent")
    factories.conversation(topic_slug=topic.slug)  # urgent, on time
    clock.now -= timedelta(minutes=5)
    late = factories.conversation()  # normal, 5 minutes old
    clock.now += timedelta(minutes=5)
    automation.sla_sweep(now=clock.now)

    inbox = list(selectors.conversation_list_for_inbox(profile=supervisor, view="all"))
    assert inbox[0].pk == late.pk

    late = selectors.conversation_get_for_inbox_row(conversation_id=late.pk)
    row = realtime.inbox_row_each_language(late)["en"]
    assert 'data-breached="1"' in row
    assert "Overdue" in row


# --- Inactivity --------------------------------------------------------------------------


def pending_conversation():
    conversation = factories.conversation()
    return support_services.conversation_set_status(conversation=conversation, status="pending")


def test_pending_auto_resolve_is_off_by_default(clock, settings):
    assert settings.DESTEK["PENDING_AUTO_RESOLVE_HOURS"] == 0
    conversation = pending_conversation()

    assert automation.inactivity_sweep(now=clock.now + timedelta(days=30)) == {"resolved": []}
    conversation.refresh_from_db()
    assert conversation.status == "pending"


def test_pending_conversations_resolve_after_n_hours_with_a_polite_message(clock, settings):
    settings.DESTEK = {**settings.DESTEK, "PENDING_AUTO_RESOLVE_HOURS": 24}
    conversation = pending_conversation()

    clock.now += timedelta(hours=23, minutes=59)
    assert automation.inactivity_sweep()["resolved"] == []
    clock.now += timedelta(minutes=2)
    assert automation.inactivity_sweep()["resolved"] == [conversation.pk]
    assert automation.inactivity_sweep()["resolved"] == []  # once

    conversation.refresh_from_db()
    assert conversation.status == "resolved"
    system = conversation.messages.filter(sender_type="system").values_list("body", flat=True)
    assert list(system) == [
        "We haven't heard from you for a while, so we've closed this conversation. "
        "Write to us any time if you still need help."
    ]


def test_a_visitor_reply_keeps_a_pending_conversation(clock, settings):
    settings.DESTEK = {**settings.DESTEK, "PENDING_AUTO_RESOLVE_HOURS": 1}
    conversation = pending_conversation()
    clock.now += timedelta(minutes=50)
    visitor_says(conversation)  # back to open

    clock.now += timedelta(hours=2)
    assert automation.inactivity_sweep()["resolved"] == []


def test_offline_agents_conversations_return_to_the_queue_after_m_minutes(clock, settings):
    settings.DESTEK = {**settings.DESTEK, "OFFLINE_REQUEUE_MINUTES": 10}
    team = factories.team()
    agent = factories.agent(teams=[team], online=True)
    topic = factories.topic(team=team)
    conversation = factories.conversation(topic_slug=topic.slug)
    assert conversation.assignee_id == agent.user_id
    untouched = pending_conversation()  # only open conversations move

    # Heartbeat stale after 60 s; 10 minutes later the chats go back.
    clock.now += timedelta(minutes=10, seconds=59)
    assert automation.offline_agents_requeue() == []
    clock.now += timedelta(seconds=2)
    assert automation.offline_agents_requeue() == [conversation.pk]
    assert automation.offline_agents_requeue() == []

    conversation.refresh_from_db()
    assert conversation.status == "queued"
    assert conversation.assignee_id is None
    assert conversation.queued_at == clock.now
    untouched.refresh_from_db()
    assert untouched.status == "pending"


def test_a_live_console_keeps_its_conversations_and_zero_turns_requeue_off(clock, settings):
    team = factories.team()
    agent = factories.agent(teams=[team], online=True)
    conversation = factories.conversation(topic_slug=factories.topic(team=team).slug)

    clock.now += timedelta(minutes=30)
    support_services.agent_heartbeat(profile=agent)
    assert automation.offline_agents_requeue() == []

    settings.DESTEK = {**settings.DESTEK, "OFFLINE_REQUEUE_MINUTES": 0}
    clock.now += timedelta(hours=5)
    assert automation.offline_agents_requeue() == []
    conversation.refresh_from_db()
    assert conversation.assignee_id == agent.user_id


def test_the_beat_schedule_runs_each_sweep():
    from celery.schedules import crontab

    from config.celery import app
    from support import scheduler

    schedule = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert schedule == {
        "support.tasks.sla_sweep": 30.0,
        "support.tasks.snooze_sweep": 30.0,
        "support.tasks.inactivity_sweep": 300.0,
        "support.tasks.requeue_offline_agents": 60.0,
        "emails.tasks.mailbox_poll_all": 60.0,
        "support.tasks.retention_sweep": crontab(hour=3, minute=30),
    }
    # The in-process stand-in runs the interval sweeps only, not the nightly one.
    assert "support.tasks.retention_sweep" not in scheduler.interval_tasks(app.conf.beat_schedule)
    import emails.tasks  # noqa: F401 - the worker autodiscovers them
    import support.tasks  # noqa: F401

    assert set(schedule) <= set(app.tasks)


async def test_the_in_process_scheduler_runs_each_task_on_its_interval(monkeypatch):
    """`make run` (no broker): support.scheduler stands in for celery beat."""
    from support import scheduler

    app = Celery("in-process", set_as_current=False)
    app.conf.beat_schedule = {
        "fast": {"task": "t.fast", "schedule": 0.05},
        "slow": {"task": "t.slow", "schedule": 10.0},
    }
    ran = []
    monkeypatch.setattr(scheduler, "_run_task", lambda app, name: ran.append(name))

    task = asyncio.ensure_future(scheduler.run_sweeps(app, {}, tick=0.01))
    await asyncio.sleep(0.3)
    task.cancel()

    assert ran.count("t.fast") >= 3
    assert "t.slow" not in ran  # first run after one interval, not at start-up


def test_the_in_process_scheduler_runs_only_without_a_broker_in_debug(settings, monkeypatch):
    from support import scheduler

    monkeypatch.delenv("DESTEK_IN_PROCESS_SWEEPS", raising=False)
    settings.DEBUG = True
    assert scheduler.in_process_sweeps_enabled()
    settings.CELERY_TASK_ALWAYS_EAGER = False  # a broker: celery beat runs them
    assert not scheduler.in_process_sweeps_enabled()
    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setenv("DESTEK_IN_PROCESS_SWEEPS", "0")
    assert not scheduler.in_process_sweeps_enabled()
