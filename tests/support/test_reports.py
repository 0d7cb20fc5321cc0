"""Report figures against a hand-computed fixture (both SQLite and PostgreSQL run these).

The week of Monday 2 – Sunday 8 November 2026 in Europe/Istanbul (UTC+3, no DST). Eight
conversations; every figure below was worked out by hand from this table:

conv  started (local)  topic agent prio    first reply s (biz)   resolved after s (biz)  rating
c1    Mon 10:00        pay   alice normal  60 (60) met           3600 (3600) met         5 "Great"
c2    Mon 10:30        pay   alice normal  180 (180) missed      86400 (28800) met (=due) 3
c3    Tue 14:00        order bob   high    30 (30) met           7200 (7200) met         1 "Slow"
c4    Wed 09:00        order bob   urgent  600 (300) missed      open, overdue: missed   -
c5    Thu 20:00        -     -     normal  (bot only)            120 by the bot          -
c6    Sun 23:30        pay   alice low     none, overdue: missed open, overdue: missed   -
c8    Fri 12:00        order bob   normal  90 (90) met           1800 (1800) met         -
c7    Sat 31 Oct: outside the range; resolved inside it (Mon 2 Nov 09:00 local), rated 2
c9    Mon 9 Nov 00:00 local (Sunday 21:00 UTC): outside the range
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from faq.models import Article, ArticleFeedback, Category
from ratings import services as rating_services
from support import hours
from support.models import Conversation
from support.reports import report_build, report_filters
from tests import factories

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Europe/Istanbul")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
START, END = date(2026, 11, 2), date(2026, 11, 8)


def local(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=TZ)


def make(
    *,
    started,
    topic=None,
    agent=None,
    priority="normal",
    first=None,
    resolved=None,
    first_due=None,
    resolution_due=None,
    by_bot=False,
):
    """One conversation with known times: first=(seconds, business seconds), resolved=(…)."""
    conversation = factories.conversation(topic_slug=topic.slug if topic else None)
    fields = {
        "created_at": started,
        "queued_at": None if by_bot else started,
        "priority": priority,
        "assignee_id": agent.user_id if agent else None,
        "team_id": topic.team_id if topic else None,
        "topic_id": topic.pk if topic else None,
        "first_response_due_at": started + timedelta(seconds=first_due) if first_due else None,
        "resolution_due_at": started + timedelta(seconds=resolution_due)
        if resolution_due
        else None,
        "resolved_by_bot": by_bot,
        "status": Conversation.Status.OPEN if agent else Conversation.Status.QUEUED,
        "first_response_at": None,
        "first_response_seconds": None,
        "first_response_business_seconds": None,
        "resolved_at": None,
        "resolution_seconds": None,
        "resolution_business_seconds": None,
    }
    if first:
        fields["first_response_at"] = started + timedelta(seconds=first[0])
        fields["first_response_seconds"], fields["first_response_business_seconds"] = first
    if resolved:
        fields["status"] = Conversation.Status.RESOLVED
        fields["resolved_at"] = started + timedelta(seconds=resolved[0])
        fields["resolution_seconds"], fields["resolution_business_seconds"] = resolved
    Conversation.objects.filter(pk=conversation.pk).update(**fields)
    conversation.refresh_from_db()
    return conversation


def rate(conversation, score, comment=""):
    rating_services.rating_submit(conversation=conversation, score=score, comment=comment)


@pytest.fixture
def week():
    team_a, team_b = factories.team(name="Payments"), factories.team(name="Orders")
    pay = factories.topic(slug="pay", team=team_a, name_en="Payment", name_tr="Ödeme")
    order = factories.topic(slug="order", team=team_b, name_en="Order", name_tr="Sipariş")
    alice = factories.agent(username="alice", display_name="Alice", teams=[team_a])
    bob = factories.agent(username="bob", display_name="Bob", teams=[team_b])
    sue = factories.supervisor(username="sue")
    sue.time_zone = "Europe/Istanbul"
    sue.save(update_fields=["time_zone"])
    c = {}
    c[1] = make(started=local(2, 10), topic=pay, agent=alice, first=(60, 60),
                resolved=(3600, 3600), first_due=120, resolution_due=86400)  # fmt: skip
    c[2] = make(started=local(2, 10, 30), topic=pay, agent=alice, first=(180, 180),
                resolved=(86400, 28800), first_due=120, resolution_due=86400)  # fmt: skip
    c[3] = make(started=local(3, 14), topic=order, agent=bob, priority="high", first=(30, 30),
                resolved=(7200, 7200), first_due=60, resolution_due=28800)  # fmt: skip
    c[4] = make(started=local(4, 9), topic=order, agent=bob, priority="urgent", first=(600, 300),
                first_due=60, resolution_due=14400)  # fmt: skip
    c[5] = make(started=local(5, 20), resolved=(120, 120), by_bot=True)
    c[6] = make(started=local(8, 23, 30), topic=pay, agent=alice, priority="low",
                first_due=600, resolution_due=259200)  # fmt: skip
    c[8] = make(started=local(6, 12), topic=order, agent=bob, first=(90, 90),
                resolved=(1800, 1800), first_due=120, resolution_due=86400)  # fmt: skip
    # Outside the range by creation; c7 was resolved inside it (Mon 2 Nov 09:00 local).
    c[7] = make(started=datetime(2026, 10, 31, 9, 0, tzinfo=TZ), topic=pay, agent=alice,
                first=(60, 60), resolved=(2 * 86400, 3600), first_due=120)  # fmt: skip
    c[9] = make(started=datetime(2026, 11, 8, 21, 0, tzinfo=UTC), topic=pay, agent=alice,
                first=(10, 10), first_due=120)  # fmt: skip
    rate(c[1], 5, "Great")
    rate(c[2], 3)
    rate(c[3], 1, "Slow")
    rate(c[7], 2, "Outside the range")
    return {"c": c, "alice": alice, "bob": bob, "sue": sue, "pay": pay, "order": order,
            "team_a": team_a, "team_b": team_b}  # fmt: skip


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
    with django_assert_max_num_queries(13):
        report_build(filters=filters, now=NOW)


def test_default_range_is_last_30_days_in_profile_zone(week):
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
