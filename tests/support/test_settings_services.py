"""The settings a supervisor changes from the console (support.services.teams, business_hours,
topics and configuration.response_targets_set): field-by-field refusals that change nothing,
supervisors only, every change audited, and the effects other parts rely on (routing, hours,
response targets, the queue's `queue.moved`)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from support import errors, events, hours, services
from support.models import (
    AuditEvent,
    BusinessHoursInterval,
    Conversation,
    ResponseTarget,
    SpecialDay,
    Team,
    Topic,
)
from support.services import business_hours, configuration, teams, topics
from tests import factories

pytestmark = pytest.mark.django_db


def audits() -> list[dict]:
    return list(
        AuditEvent.objects.filter(action=AuditEvent.Action.SETTINGS_CHANGED)
        .order_by("pk")
        .values_list("detail", flat=True)
    )


@pytest.fixture
def queue_moves():
    """Teams whose waiting visitors were told again (queue.moved), as it happens."""
    heard = []

    def listener(event):
        heard.append(event.data["team_id"])

    events.event_listen("queue.moved", listener, in_transaction=True)
    yield heard
    events.event_unlisten("queue.moved", listener)


@pytest.fixture
def boss():
    return factories.supervisor()


# Teams and members


def test_a_team_is_created_renamed_and_audited(boss):
    team = teams.team_create(actor=boss, values={"name": " Kitchen ", "name_tr": "Mutfak"})
    assert (team.name, team.name_tr, team.slug) == ("Kitchen", "Mutfak", "kitchen")
    teams.team_rename(actor=boss, team_id=team.pk, values={"name": "Kitchen", "name_tr": ""})
    team.refresh_from_db()
    assert team.name_tr == "" and team.local_name == "Kitchen"
    assert audits() == [
        {"team_created": "Kitchen", "team_id": team.pk},
        {"team_id": team.pk, "changed": {"name_tr": ["Mutfak", ""]}},
    ]
    # A second team of a similar name gets its own slug.
    other = teams.team_create(actor=boss, values={"name": "Kitchen!", "name_tr": ""})
    assert other.slug == "kitchen-2"


@pytest.mark.parametrize(
    "values, field",
    [
        ({"name": "", "name_tr": "Mutfak"}, "name"),
        ({"name": "GENERAL", "name_tr": ""}, "name"),
        ({"name": "x" * 121, "name_tr": ""}, "name"),
        ({"name": "Bar", "name_tr": "y" * 121}, "name_tr"),
    ],
)
def test_bad_team_names_are_refused_by_field(boss, values, field):
    factories.team(name="General")
    with pytest.raises(errors.FormInvalid) as refused:
        teams.team_create(actor=boss, values=values)
    assert set(refused.value.fields) == {field}
    assert Team.objects.count() == 1
    assert audits() == []


def test_agents_change_no_team_setting():
    agent = factories.agent()
    team = factories.team(name="General")
    calls = [
        lambda: teams.team_create(actor=agent, values={"name": "X"}),
        lambda: teams.team_rename(actor=agent, team_id=team.pk, values={"name": "Y"}),
        lambda: teams.team_delete(actor=agent, team_id=team.pk),
        lambda: teams.team_member_add(actor=agent, team_id=team.pk, agent_id=agent.pk),
        lambda: teams.team_member_remove(actor=agent, team_id=team.pk, agent_id=agent.pk),
        lambda: business_hours.team_hours_set(
            actor=agent, team_id=team.pk, time_zone="UTC", always_open=True, intervals=[]
        ),
        lambda: business_hours.team_holiday_add(actor=agent, team_id=team.pk, values={}),
        lambda: topics.topic_create(actor=agent, values={"name_en": "A", "name_tr": "A"}),
        lambda: configuration.response_targets_set(actor=agent, targets={}),
    ]
    for call in calls:
        with pytest.raises(errors.Forbidden):
            call()
    assert list(Team.objects.values_list("name", flat=True)) == ["General"]
    assert not agent.teams.exists()
    assert audits() == []


def test_an_online_agent_added_to_a_team_takes_its_waiting_conversation(boss, queue_moves):
    team = factories.team()
    factories.topic(slug="payment", team=team)
    waiting = factories.conversation(topic_slug="payment")
    assert Conversation.objects.get(pk=waiting.pk).status == Conversation.Status.QUEUED
    agent = factories.agent(online=True, display_name="Ayşe")
    queue_moves.clear()

    teams.team_member_add(actor=boss, team_id=team.pk, agent_id=agent.pk)

    waiting.refresh_from_db()
    assert waiting.assignee_id == agent.user_id
    assert list(agent.teams.all()) == [team]
    assert team.pk in queue_moves
    assert audits()[-1] == {"team_id": team.pk, "member_added": "Ayşe", "user_id": agent.user_id}
    with pytest.raises(errors.InvalidInput, match="already"):
        teams.team_member_add(actor=boss, team_id=team.pk, agent_id=agent.pk)
    with pytest.raises(errors.InvalidInput):
        teams.team_member_add(actor=boss, team_id=team.pk, agent_id="nobody")

    teams.team_member_remove(actor=boss, team_id=team.pk, agent_id=agent.pk)
    assert not agent.teams.exists()
    waiting.refresh_from_db()
    assert waiting.assignee_id == agent.user_id  # what they took stays theirs


def test_a_team_in_use_is_not_deleted_and_says_every_reason(boss):
    team = factories.team(name="Payments")
    topic = factories.topic(slug="payment", team=team)
    factories.conversation(topic_slug="payment")
    factories.canned_response(by=boss, team=team)
    with pytest.raises(errors.Conflict) as refused:
        teams.team_delete(actor=boss, team_id=team.pk)
    text = refused.value.detail
    assert "Payments cannot be deleted yet" in text
    assert "1 topic routes to it" in text
    assert "1 conversation is not resolved yet" in text
    assert "1 shared canned reply or macro" in text
    assert Team.objects.filter(pk=team.pk).exists()

    # Once they moved on: the topic to no team, the conversation resolved, the reply deleted.
    topics.topic_update(
        actor=boss,
        topic_id=topic.pk,
        values={"name_en": "Payment", "name_tr": "Ödeme", "default_priority": "normal"},
    )
    conversation = Conversation.objects.get(team=team)
    services.conversation_set_status(conversation=conversation, status="resolved")
    team.canned_responses.all().delete()
    factories.business_hours(team=team, weekday=0, opens="09:00", closes="17:00")

    teams.team_delete(actor=boss, team_id=team.pk)
    assert not Team.objects.filter(pk=team.pk).exists()
    assert not BusinessHoursInterval.objects.exists()
    conversation.refresh_from_db()
    assert conversation.team_id is None  # history kept, counted under no team
    assert audits()[-1] == {"team_deleted": "Payments", "team_id": team.pk}


def test_a_team_an_upper_app_protects_is_refused_not_crashed(boss):
    from emails.models import SupportAddress

    team = factories.team(name="Mail")
    SupportAddress.objects.create(
        address="destek@shop.example", display_name="Shop", team=team, widget=factories.widget()
    )
    with pytest.raises(errors.Conflict, match="Mail cannot be deleted yet: still used by"):
        teams.team_delete(actor=boss, team_id=team.pk)
    assert Team.objects.filter(pk=team.pk).exists()
    assert audits() == []


# Business hours and holidays


def slot(weekday, opens, closes, index=0):
    return {"weekday": weekday, "slot": index, "opens": opens, "closes": closes}


def test_weekly_hours_replace_the_old_ones_and_the_team_opens_by_them(boss, queue_moves):
    team = factories.team()
    factories.business_hours(team=team, weekday=6, opens="10:00", closes="12:00")
    business_hours.team_hours_set(
        actor=boss,
        team_id=team.pk,
        time_zone="Europe/Istanbul",
        always_open=False,
        intervals=[
            slot(0, "11:00", "15:00"),
            slot(0, "18:00", "02:00", 1),  # dinner, past midnight
            slot(1, "", ""),  # closed
        ],
    )
    team.refresh_from_db()
    assert team.time_zone == "Europe/Istanbul"
    assert [str(i) for i in team.hours.all()] == ["Monday 11:00–15:00", "Monday 18:00–02:00"]
    # Monday 7 December 2026, 23:30 in Istanbul (20:30 UTC): open; Tuesday 03:00: closed.
    assert hours.team_opening_status(
        team=team, at=datetime(2026, 12, 7, 20, 30, tzinfo=UTC)
    ).is_open
    assert not hours.team_opening_status(
        team=team, at=datetime(2026, 12, 8, 0, 0, tzinfo=UTC)
    ).is_open
    assert queue_moves == [team.pk]
    assert audits()[-1]["changed"]["hours"] == [
        ["Sunday 10:00–12:00"],
        ["Monday 11:00–15:00", "Monday 18:00–02:00"],
    ]

    business_hours.team_hours_set(
        actor=boss, team_id=team.pk, time_zone="Europe/Istanbul", always_open=True, intervals=[]
    )
    assert not team.hours.exists()


@pytest.mark.parametrize(
    "intervals, problems",
    [
        ([slot(0, "09:00", "")], {"0-0"}),
        ([slot(0, "9 am", "17:00")], {"0-0"}),
        ([slot(0, "09:00", "09:00")], {"0-0"}),
        ([slot(0, "09:00", "13:00"), slot(0, "12:00", "18:00", 1)], {"0-1"}),
        # Sunday night into Monday morning overlaps Monday's early hours.
        ([slot(0, "01:00", "05:00"), slot(6, "22:00", "02:00")], {"6-0"}),
        ([slot(2, "", "")], {"hours"}),
    ],
)
def test_bad_hours_are_refused_by_field_and_nothing_changes(boss, intervals, problems):
    team = factories.team()
    factories.business_hours(team=team, weekday=6, opens="10:00", closes="12:00")
    with pytest.raises(errors.FormInvalid) as refused:
        business_hours.team_hours_set(
            actor=boss, team_id=team.pk, time_zone="UTC", always_open=False, intervals=intervals
        )
    assert set(refused.value.fields) == problems
    assert [str(i) for i in team.hours.all()] == ["Sunday 10:00–12:00"]
    assert audits() == []


def test_the_out_of_hours_replies_are_set_with_the_hours(boss):
    team = factories.team()

    def messages_set(en, tr):
        business_hours.team_hours_set(
            actor=boss,
            team_id=team.pk,
            time_zone="UTC",
            always_open=True,
            intervals=[],
            messages={"out_of_hours_message_en": en, "out_of_hours_message_tr": tr},
        )

    with pytest.raises(errors.FormInvalid) as refused:
        messages_set("x" * 501, "")
    assert set(refused.value.fields) == {"out_of_hours_message_en"}
    messages_set(" Back at 9. ", "9'da.")
    team.refresh_from_db()
    assert hours.out_of_hours_message(team=team, language="tr") == "9'da."
    assert hours.out_of_hours_message(team=team, language="en") == "Back at 9."
    assert audits()[-1]["changed"]["out_of_hours_message_en"] == ["", "Back at 9."]


def test_the_whole_day_and_an_unknown_zone(boss):
    team = factories.team()
    with pytest.raises(errors.FormInvalid) as refused:
        business_hours.team_hours_set(
            actor=boss, team_id=team.pk, time_zone="Mars/Olympus", always_open=True, intervals=[]
        )
    assert set(refused.value.fields) == {"time_zone"}
    business_hours.team_hours_set(
        actor=boss,
        team_id=team.pk,
        time_zone="UTC",
        always_open=False,
        intervals=[slot(5, "00:00", "00:00")],
    )
    assert team.hours.get().closes_at == time(0, 0)


def test_holidays_are_added_checked_and_deleted(boss, queue_moves):
    team = factories.hours_team(time_zone="Europe/Istanbul")
    today = date(2026, 12, 7)
    holiday = business_hours.team_holiday_add(
        actor=boss,
        team_id=team.pk,
        values={"date": "2027-04-23", "name": "Children's Day", "closed": True},
        today=today,
    )
    assert (holiday.date, holiday.is_closed) == (date(2027, 4, 23), True)
    short = business_hours.team_holiday_add(
        actor=boss,
        team_id=team.pk,
        values={
            "date": "2026-12-31",
            "name": "New Year's Eve",
            "opens": "09:00",
            "closes": "13:00",
        },
        today=today,
    )
    assert (short.is_closed, short.opens_at, short.closes_at) == (False, time(9), time(13))
    bad = [
        ({"date": "2027-04-23", "name": "Again", "closed": True}, {"date"}),
        ({"date": "2026-12-06", "name": "Yesterday", "closed": True}, {"date"}),
        ({"date": "2027-02-30", "name": "", "closed": True}, {"date", "name"}),
        ({"date": "2027-01-02", "name": "Half day", "opens": "09:00"}, {"opens"}),
        ({"date": "2027-01-02", "name": "No hours"}, {"opens"}),
    ]
    for values, fields in bad:
        with pytest.raises(errors.FormInvalid) as refused:
            business_hours.team_holiday_add(actor=boss, team_id=team.pk, values=values, today=today)
        assert set(refused.value.fields) == fields, values
    assert SpecialDay.objects.count() == 2
    business_hours.team_holiday_delete(actor=boss, team_id=team.pk, holiday_id=holiday.pk)
    assert list(SpecialDay.objects.all()) == [short]
    with pytest.raises(errors.NotFound):
        business_hours.team_holiday_delete(
            actor=boss, team_id=factories.team().pk, holiday_id=short.pk
        )
    assert queue_moves == [team.pk] * 3
    assert [next(iter(d)) for d in audits()] == ["team_id"] * 3


# Topics


TOPIC = {
    "name_en": "Table booking",
    "name_tr": "Masa rezervasyonu",
    "description_en": "",
    "description_tr": "",
    "team": "",
    "default_priority": "high",
    "order": "3",
    "allow_urgent": True,
    "is_active": True,
}


def test_a_topic_is_created_edited_and_routes_to_its_team(boss):
    team = factories.team()
    topic = topics.topic_create(actor=boss, values={**TOPIC, "team": str(team.pk)})
    assert (topic.slug, topic.team, topic.default_priority, topic.order) == (
        "table-booking",
        team,
        "high",
        3,
    )
    conversation = factories.conversation(topic_slug="table-booking")
    conversation.refresh_from_db()
    assert (conversation.team_id, conversation.priority) == (team.pk, "high")

    topics.topic_update(actor=boss, topic_id=topic.pk, values={**TOPIC, "is_active": False})
    topic.refresh_from_db()
    assert topic.slug == "table-booking" and topic.team is None and not topic.is_active
    assert audits()[-1] == {
        "topic": "table-booking",
        "changed": {"team": [team.pk, None], "is_active": [True, False]},
    }


def test_bad_topics_are_refused_by_field(boss):
    with pytest.raises(errors.FormInvalid) as refused:
        topics.topic_create(
            actor=boss,
            values={
                **TOPIC,
                "name_tr": "",
                "team": "999999",
                "default_priority": "asap",
                "order": "-1",
            },
        )
    assert set(refused.value.fields) == {"name_tr", "team", "default_priority", "order"}
    assert not Topic.objects.exists()


def test_a_used_topic_is_turned_off_not_deleted(boss):
    used = factories.topic(slug="order")
    factories.conversation(topic_slug="order")
    unused = factories.topic(slug="menu")
    with pytest.raises(errors.Conflict, match="turn it off"):
        topics.topic_delete(actor=boss, topic_id=used.pk)
    topics.topic_delete(actor=boss, topic_id=unused.pk)
    assert list(Topic.objects.values_list("slug", flat=True)) == ["order"]


# Response targets


def targets(**rows):
    full = {
        p: {"first": "", "first_unit": "minutes", "resolution": "", "resolution_unit": "hours"}
        for p in ("low", "normal", "high", "urgent")
    }
    for priority, (first, first_unit, resolution, resolution_unit) in rows.items():
        full[priority] = {
            "first": first,
            "first_unit": first_unit,
            "resolution": resolution,
            "resolution_unit": resolution_unit,
        }
    return full


def test_response_targets_are_set_in_units_and_new_conversations_follow_them(boss):
    configuration.response_targets_set(
        actor=boss,
        targets=targets(
            normal=("5", "minutes", "2", "days"),
            urgent=("30", "seconds", "1", "hours"),
            high=("1", "minutes", "8", "hours"),
        ),
    )
    stored = {
        t.priority: (t.first_response_seconds, t.resolution_seconds)
        for t in ResponseTarget.objects.all()
    }
    assert stored == {"normal": (300, 172800), "urgent": (30, 3600), "high": (60, 28800)}
    assert configuration.target_in_units(172800) == ("2", "days")
    assert configuration.target_in_units(90) == ("90", "seconds")
    conversation = factories.conversation()
    conversation.refresh_from_db()
    assert conversation.first_response_due_at - conversation.queued_at == timedelta(minutes=5)
    assert audits()[-1]["response_targets"]["low"] == [[600, 259200], None]


@pytest.mark.parametrize(
    "row, field",
    [
        (("0", "minutes", "1", "hours"), "first-normal"),
        (("ten", "minutes", "1", "hours"), "first-normal"),
        (("5", "weeks", "1", "hours"), "first-normal"),
        (("5", "minutes", "31", "days"), "resolution-normal"),
        (("5", "minutes", "", "hours"), "resolution-normal"),
        (("2", "hours", "1", "hours"), "resolution-normal"),
    ],
)
def test_bad_targets_change_none(boss, row, field):
    before = list(ResponseTarget.objects.order_by("priority").values())
    with pytest.raises(errors.FormInvalid) as refused:
        configuration.response_targets_set(
            actor=boss, targets=targets(normal=row, urgent=("1", "minutes", "4", "hours"))
        )
    assert set(refused.value.fields) == {field}
    assert list(ResponseTarget.objects.order_by("priority").values()) == before
