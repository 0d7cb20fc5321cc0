"""Report figures against the hand-computed week of tests/support/conftest.py (`week`).

Both SQLite and PostgreSQL run these: the same exact medians, p90, SLA % and CSAT.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils.translation import override

from console.reports import report_build, report_filters
from faq.models import Article, ArticleFeedback, Category
from support import hours
from tests import factories
from tests.support.conftest import END, NOW, START, TZ, local

pytestmark = pytest.mark.django_db


def build(profile, language="en", **kwargs):
    filters = report_filters(profile=profile, start_date=START, end_date=END, **kwargs)
    return report_build(filters=filters, language=language, now=NOW)


def test_activity_by_local_day_and_deflection(week):
    report = build(week["sue"])
    days = {row["day"]: row for row in report.activity["days"]}
    assert len(days) == 7
    assert [days[date(2026, 11, d)]["started"] for d in range(2, 9)] == [2, 1, 1, 1, 1, 0, 1]
    assert [days[date(2026, 11, d)]["resolved"] for d in range(2, 9)] == [2, 2, 0, 1, 1, 0, 0]
    assert [days[date(2026, 11, d)]["resolved_by_bot"] for d in range(2, 9)] == [
        0, 0, 0, 1, 0, 0, 0,
    ]  # fmt: skip
    totals = report.activity["totals"]
    assert (totals["started"], totals["resolved"], totals["resolved_by_bot"]) == (7, 6, 1)
    assert totals["deflection_percent"] == pytest.approx(100 / 6)


def test_heatmap_in_the_report_time_zone(week):
    grid = build(week["sue"]).heatmap
    cells = {(w, h): n for w, row in enumerate(grid) for h, n in enumerate(row) if n}
    assert cells == {(0, 10): 2, (1, 14): 1, (2, 9): 1, (3, 20): 1, (4, 12): 1, (6, 23): 1}


def test_median_and_p90_business_hours_and_wall_clock(week):
    times = build(week["sue"]).times
    # Business: first replies 30 60 90 180 300; resolutions by a person 1800 3600 7200 28800.
    assert times["first_response"]["count"] == 5
    assert times["first_response"]["median"] == pytest.approx(90)
    assert times["first_response"]["p90"] == pytest.approx(180 + 0.6 * 120)  # 252
    assert times["resolution"]["count"] == 4
    assert times["resolution"]["median"] == pytest.approx(5400)
    assert times["resolution"]["p90"] == pytest.approx(7200 + 0.7 * 21600)  # 22320

    wall = build(week["sue"], business_hours=False).times
    # Wall clock: 30 60 90 180 600; 1800 3600 7200 86400.
    assert wall["first_response"]["median"] == pytest.approx(90)
    assert wall["first_response"]["p90"] == pytest.approx(180 + 0.6 * 420)  # 432
    assert wall["resolution"]["median"] == pytest.approx(5400)
    assert wall["resolution"]["p90"] == pytest.approx(7200 + 0.7 * 79200)  # 62640


def test_sla_attainment_per_priority(week):
    sla = {row["priority"]: row for row in build(week["sue"]).sla}
    assert [row["priority"] for row in build(week["sue"]).sla] == [
        "urgent", "high", "normal", "low",
    ]  # fmt: skip
    normal = sla["normal"]
    assert (normal["first_response_met"], normal["first_response_missed"]) == (2, 1)
    assert normal["first_response_percent"] == pytest.approx(200 / 3)
    assert (normal["resolution_met"], normal["resolution_missed"]) == (3, 0)
    assert normal["resolution_percent"] == 100
    assert normal["first_response_target_seconds"] == 120
    assert sla["high"]["first_response_percent"] == 100
    assert sla["high"]["resolution_percent"] == 100
    assert sla["urgent"]["first_response_percent"] == 0
    assert (sla["urgent"]["resolution_met"], sla["urgent"]["resolution_missed"]) == (0, 1)
    assert (sla["low"]["first_response_met"], sla["low"]["first_response_missed"]) == (0, 1)


def test_sla_not_yet_due_counts_neither_way(week):
    # On Monday 9 Nov at 02:00 local, c6 (low, due Sun 23:40) is late; its resolution is not due.
    report = report_build(
        filters=report_filters(profile=week["sue"], start_date=START, end_date=END),
        now=datetime(2026, 11, 9, 2, 0, tzinfo=TZ),
    )
    low = {row["priority"]: row for row in report.sla}["low"]
    assert (low["first_response_met"], low["first_response_missed"]) == (0, 1)
    assert (low["resolution_met"], low["resolution_missed"]) == (0, 0)
    assert low["resolution_percent"] is None


def test_csat(week):
    report = build(week["sue"])
    csat = report.csat
    assert csat["average"] == pytest.approx(3.0)
    assert csat["rated"] == 3
    assert csat["resolved"] == 4  # c1 c2 c3 c8; the bot's c5 is never asked
    assert csat["response_rate"] == pytest.approx(75.0)
    assert csat["distribution"] == [
        {"score": 5, "count": 1},
        {"score": 4, "count": 0},
        {"score": 3, "count": 1},
        {"score": 2, "count": 0},
        {"score": 1, "count": 1},
    ]
    assert [rating.comment for rating in report.comments] == ["Slow", "Great"]


def test_per_agent_and_per_topic(week):
    report = build(week["sue"])
    agents = [
        (a["name"], a["handled"], a["resolved"], a["first_response_median"], a["csat_average"])
        for a in report.agents
    ]
    assert agents == [
        ("Alice", 3, 2, pytest.approx(120), pytest.approx(4.0)),
        ("Bob", 3, 2, pytest.approx(90), pytest.approx(1.0)),
    ]
    topics = {t["name"]: t for t in report.topics}
    assert set(topics) == {"Payment", "Order", None}
    assert topics["Payment"]["volume"] == 3
    assert topics["Payment"]["first_response_median"] == pytest.approx(120)
    assert topics["Payment"]["resolution_median"] == pytest.approx(16200)
    assert topics["Payment"]["csat_average"] == pytest.approx(4.0)
    assert topics["Order"]["volume"] == 3
    assert topics["Order"]["first_response_median"] == pytest.approx(90)
    assert topics["Order"]["resolution_median"] == pytest.approx(4500)
    assert topics[None]["volume"] == 1
    assert topics[None]["resolution_median"] is None  # only the bot resolved it
    assert topics[None]["csat_average"] is None
    turkish = {t["topic_id"]: t["name"] for t in build(week["sue"], language="tr").topics}
    assert turkish[week["pay"].pk] == "Ödeme"


def test_filters_team_topic_agent(week):
    by_team = build(week["sue"], team_id=week["team_a"].pk)
    assert by_team.activity["totals"]["started"] == 3
    by_topic = build(week["sue"], topic_id=week["order"].pk)
    assert by_topic.activity["totals"]["started"] == 3
    assert by_topic.times["first_response"]["median"] == pytest.approx(90)
    by_agent = build(week["sue"], agent_id=week["bob"].user_id)
    assert [a["name"] for a in by_agent.agents] == ["Bob"]
    assert by_agent.csat["average"] == pytest.approx(1.0)


def test_agent_gets_own_figures_whatever_they_ask(week):
    report = build(week["alice"], agent_id=week["bob"].user_id)
    assert report.filters.agent_id == week["alice"].user_id
    assert report.filters.own_figures_only
    assert [a["name"] for a in report.agents] == ["Alice"]
    assert report.activity["totals"]["started"] == 3
    assert report.csat["average"] == pytest.approx(4.0)
    assert [r.comment for r in report.comments] == ["Great"]
    assert report.faq is None


def test_faq_feedback_alongside(week):
    category = Category.objects.create(slug="c", name_en="C", name_tr="C")
    article = Article.objects.create(
        category=category, topic=week["pay"], language="en", title="Refunds", slug="refunds",
        body_markdown="x", is_published=True,
    )  # fmt: skip
    other = Article.objects.create(
        category=category, language="en", title="Shipping", slug="shipping", body_markdown="x"
    )
    for helpful, key in [(True, "a"), (True, "b"), (False, "c")]:
        ArticleFeedback.objects.create(article=article, helpful=helpful, voter_key=key)
    ArticleFeedback.objects.create(article=other, helpful=False, voter_key="d")
    old = ArticleFeedback.objects.create(article=article, helpful=False, voter_key="e")
    ArticleFeedback.objects.filter(pk=old.pk).update(updated_at=local(1, 12))
    ArticleFeedback.objects.exclude(pk=old.pk).update(updated_at=local(4, 12))
    faq = build(week["sue"]).faq
    assert (faq["yes"], faq["no"]) == (2, 2)
    assert [(a["title"], a["yes"], a["no"]) for a in faq["articles"]] == [
        ("Refunds", 2, 1),
        ("Shipping", 0, 1),
    ]
    assert faq["articles"][0]["helpful_percent"] == pytest.approx(66.7)
    assert [a["title"] for a in build(week["sue"], topic_id=week["pay"].pk).faq["articles"]] == [
        "Refunds"
    ]


def test_report_query_count_is_bounded(week, django_assert_max_num_queries):
    filters = report_filters(profile=week["sue"], start_date=START, end_date=END)
    with django_assert_max_num_queries(10):
        report_build(filters=filters, now=NOW)
    own = report_filters(profile=week["alice"], start_date=START, end_date=END)
    with django_assert_max_num_queries(8):
        report_build(filters=own, now=NOW)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan cache")
def test_report_statements_are_planned_for_their_own_dates(week):
    """A generic plan (prepared statements) reads the date index for any range, a year too."""
    filters = report_filters(profile=week["sue"], start_date=START, end_date=END)
    for _ in range(12):  # past psycopg's prepare_threshold and PostgreSQL's 5 custom plans
        report_build(filters=filters, now=NOW)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sum(generic_plans), sum(custom_plans) FROM pg_prepared_statements"
            """ WHERE statement LIKE '%%"support_conversation"."created_at" >=%%'"""
        )
        generic, custom = cursor.fetchone()
    if not connection.settings_dict["OPTIONS"].get("server_side_binding"):
        pytest.skip("nothing is prepared with client-side binding")
    assert custom and not generic
    filters = report_filters(profile=week["sue"], today=date(2026, 11, 30))
    assert (filters.start_date, filters.end_date) == (date(2026, 11, 1), date(2026, 11, 30))
    assert filters.since == datetime(2026, 11, 1, tzinfo=TZ)
    assert filters.until == datetime(2026, 12, 1, tzinfo=TZ)


# --- durations stamped by the services ---------------------------------------------------


def test_open_seconds_between_counts_only_opening_hours():
    tz = ZoneInfo("Europe/Istanbul")
    team = factories.hours_team(time_zone="Europe/Istanbul")
    for weekday in range(5):
        factories.business_hours(team=team, weekday=weekday, opens="09:00", closes="17:00")
    # Friday 16:00 → Monday 10:00: one hour on Friday and one on Monday.
    start = datetime(2026, 11, 6, 16, 0, tzinfo=tz)
    end = datetime(2026, 11, 9, 10, 0, tzinfo=tz)
    assert hours.team_open_seconds(team=team, start=start, end=end) == 2 * 3600
    # Inside one opening: the wall-clock span.
    assert (
        hours.team_open_seconds(team=team, start=datetime(2026, 11, 9, 9, 30, tzinfo=tz), end=end)
        == 30 * 60
    )
    # No team: no hours, the wall clock.
    assert hours.team_open_seconds(team=None, start=start, end=end) == 66 * 3600
    factories.special_day(team=team, date=date(2026, 11, 9))
    assert hours.team_open_seconds(team=team, start=start, end=end) == 3600


def test_services_stamp_first_response_and_resolution(monkeypatch):
    from django.utils import timezone

    from support import services

    clock = {"now": datetime(2026, 11, 6, 16, 30, tzinfo=TZ)}  # Friday 16:30
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    team = factories.hours_team(time_zone="Europe/Istanbul")
    for weekday in range(5):
        factories.business_hours(team=team, weekday=weekday, opens="09:00", closes="17:00")
    topic = factories.topic(slug="help", team=team)
    agent = factories.agent(teams=[team])
    conversation = factories.conversation(topic_slug="help")
    # A bot message and a system message are not a response.
    clock["now"] += timedelta(minutes=5)
    factories.message(conversation=conversation, sender_type="bot", body="A bot")
    factories.message(conversation=conversation, sender_type="system", body="Note")
    conversation.refresh_from_db()
    assert conversation.first_response_at is None
    assert conversation.first_response_seconds is None
    clock["now"] = datetime(2026, 11, 9, 9, 15, tzinfo=TZ)  # Monday 09:15
    factories.message(conversation=conversation, sender_type="agent", agent_user=agent.user)
    conversation.refresh_from_db()
    assert conversation.first_response_seconds == (2 * 86400 + 16 * 3600 + 45 * 60)
    assert conversation.first_response_business_seconds == 45 * 60  # 16:30–17:00 + 09:00–09:15
    clock["now"] = datetime(2026, 11, 9, 10, 30, tzinfo=TZ)
    services.conversation_resolve(conversation=conversation, agent=agent.user)
    conversation.refresh_from_db()
    assert conversation.resolution_seconds == (2 * 86400 + 18 * 3600)
    assert conversation.resolution_business_seconds == 30 * 60 + 90 * 60
    services.conversation_reopen(conversation=conversation, by_agent=agent.user)
    conversation.refresh_from_db()
    assert conversation.resolution_seconds is None
    assert conversation.resolution_business_seconds is None
    assert topic.pk  # the topic routed it to the team with hours
    assert conversation.team_id == team.pk


def test_percentile_cont_definition():
    from support.aggregates import percentile_cont

    assert percentile_cont([], 0.5) is None
    assert percentile_cont([7.0], 0.9) == 7.0
    assert percentile_cont([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile_cont([10.0, 20.0], 1.0) == 20.0
    assert percentile_cont([10.0, 20.0], 0.0) == 10.0


def test_percentile_of_no_rows_is_null(week):
    empty = build(week["sue"], team_id=week["team_a"].pk + 1000)
    assert empty.times["first_response"] == {"count": 0, "median": None, "p90": None}
    assert empty.agents == [] and empty.topics == []
    assert empty.csat["response_rate"] is None


@override("en")
def test_duration_text():
    from support.languages import format_duration

    assert format_duration(None) == "—"
    assert format_duration(45.4) == "45 s"
    assert format_duration(90) == "1 min 30 s"
    assert format_duration(120) == "2 min"
    assert format_duration(3600 + 5 * 60) == "1 h 05 min"
    assert format_duration(4 * 3600) == "4 h"
    assert format_duration(2 * 86400 + 4 * 3600 + 59) == "2 d 4 h"
    assert format_duration(3 * 86400) == "3 d"
