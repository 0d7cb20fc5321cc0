"""Business hours in the widget session: `hours` and each topic's `open` / `next_open_at`."""

import json
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
# Monday 2026-06-01 10:00 in Istanbul (UTC+3, no DST), 09:00 in Berlin (CEST).
NOW = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
DEFAULT_EN = "We're away right now. Leave a message and we'll reply when we're back."


@pytest.fixture(autouse=True)
def _fixed_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def open_session(client, widget, **data) -> dict:
    response = client.post(
        "/api/widget/v1/session",
        data=json.dumps({"widget_key": widget.key, **data}),
        content_type="application/json",
    )
    assert response.status_code == 200
    return response.json()


def weekday_team(*, days, opens="09:00", closes="17:00", zone="Europe/Istanbul", **messages):
    team = factories.hours_team(time_zone=zone, **messages)
    for weekday in days:
        factories.business_hours(team=team, weekday=weekday, opens=opens, closes=closes)
    return team


def iso(text: str) -> str:
    return datetime.fromisoformat(text).isoformat()


def by_slug(data) -> dict:
    return {topic["slug"]: topic for topic in data["topics"]}


def test_support_without_hours_is_open_and_every_topic_too(client):
    widget = factories.widget()
    factories.topic(slug="payment", team=factories.team())
    factories.topic(slug="general")  # no team

    data = open_session(client, widget)

    assert data["hours"] == {"open": True, "next_open_at": None, "message": ""}
    assert [(t["slug"], t["open"], t["next_open_at"]) for t in data["topics"]] == [
        ("general", True, None),
        ("payment", True, None),
    ]


def test_support_is_open_when_one_team_is_open_and_closed_topics_say_when(client):
    widget = factories.widget()
    open_team = weekday_team(days=(MON,))
    closed_team = weekday_team(days=(TUE,), message_en="Orders: back Tuesday.")
    factories.topic(slug="payment", team=open_team)
    factories.topic(slug="orders", team=closed_team)

    data = open_session(client, widget, locale="en")

    assert data["hours"] == {"open": True, "next_open_at": None, "message": ""}
    topics = by_slug(data)
    assert topics["payment"]["open"] is True
    assert topics["payment"]["next_open_at"] is None
    assert topics["orders"]["open"] is False
    assert topics["orders"]["next_open_at"] == iso("2026-06-02T06:00:00+00:00")
    assert set(topics["orders"]) == {
        "slug",
        "name",
        "description",
        "open",
        "next_open_at",
        "urgent_allowed",
    }


def test_closed_support_names_the_first_opening_and_that_teams_message_in_english(client):
    widget = factories.widget()
    later = weekday_team(days=(WED,), message_en="Billing is back Wednesday.")
    sooner = weekday_team(
        days=(TUE,), message_en="Orders are back Tuesday.", message_tr="Siparişler salı dönüyor."
    )
    factories.topic(slug="billing", team=later)
    factories.topic(slug="orders", team=sooner)
    factories.topic(slug="general")  # no team: follows support as a whole

    data = open_session(client, widget, locale="en-GB")

    assert data["hours"] == {
        "open": False,
        "next_open_at": iso("2026-06-02T06:00:00+00:00"),
        "message": "Orders are back Tuesday.",
    }
    topics = by_slug(data)
    assert (topics["billing"]["open"], topics["billing"]["next_open_at"]) == (
        False,
        iso("2026-06-03T06:00:00+00:00"),
    )
    assert topics["orders"]["next_open_at"] == data["hours"]["next_open_at"]
    assert (topics["general"]["open"], topics["general"]["next_open_at"]) == (
        False,
        data["hours"]["next_open_at"],
    )


def test_closed_support_speaks_turkish_to_a_turkish_visitor(client):
    widget = factories.widget()
    team = weekday_team(
        days=(TUE,), message_en="Back on Tuesday.", message_tr="Salı günü dönüyoruz."
    )
    factories.topic(slug="orders", name_en="Orders", name_tr="Siparişler", team=team)

    data = open_session(client, widget, device={"locale": "tr-TR"})

    assert data["hours"]["open"] is False
    assert data["hours"]["message"] == "Salı günü dönüyoruz."
    assert data["topics"][0]["name"] == "Siparişler"
    assert data["topics"][0]["open"] is False


def test_an_empty_team_message_falls_back_to_the_default(client):
    widget = factories.widget()
    factories.topic(slug="orders", team=weekday_team(days=(TUE,), message_tr="Salı."))

    data = open_session(client, widget, locale="en")

    assert data["hours"]["message"] == DEFAULT_EN


def test_a_holiday_today_closes_support_until_the_next_working_day(client):
    widget = factories.widget()
    team = weekday_team(days=(MON, TUE, WED, THU, FRI), zone="Europe/Berlin")
    factories.special_day(team=team, date=date(2026, 6, 1), name="Whit Monday")
    factories.topic(slug="orders", team=team)

    data = open_session(client, widget)

    assert data["hours"]["open"] is False
    assert data["hours"]["next_open_at"] == iso("2026-06-02T07:00:00+00:00")  # 09:00 CEST
    assert datetime.fromisoformat(data["hours"]["next_open_at"]).utcoffset().total_seconds() == 0


def test_a_team_serving_only_inactive_topics_does_not_count(client):
    widget = factories.widget()
    factories.topic(slug="orders", team=weekday_team(days=(TUE,)))
    factories.topic(slug="legacy", team=weekday_team(days=(MON,)), is_active=False)

    data = open_session(client, widget)

    assert data["hours"]["open"] is False
    assert [t["slug"] for t in data["topics"]] == ["orders"]


def count_queries(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


def test_session_queries_do_not_grow_with_teams_and_topics(client, django_assert_max_num_queries):
    widget = factories.widget()
    _contact, token = factories.visitor(widget_obj=widget)

    def add_team(n):
        team = weekday_team(days=(TUE, WED))
        factories.special_day(team=team, date=date(2026, 6, 2 + n % 3))
        factories.topic(team=team)
        factories.topic(team=team)

    def again():
        return open_session(client, widget, visitor_token=token)

    add_team(0)
    again()  # creates this address's session rate-limit counter
    with_one = count_queries(again)
    for n in range(1, 8):
        add_team(n)

    # rate-limit counter, widget, contact, savepoint + update + release, topics, intervals,
    # special days, top help articles, conversations with unread counts
    with django_assert_max_num_queries(11):
        data = again()

    assert len(data["topics"]) == 16
    assert data["hours"]["open"] is False
    assert count_queries(again) == with_one
