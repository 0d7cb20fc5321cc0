"""The pure routing rules: priorities, agent choice, due times, wait estimates."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from support import routing
from support.routing import Candidate

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def topic(default="normal", allow_urgent=False):
    return SimpleNamespace(default_priority=default, allow_urgent=allow_urgent)


@pytest.mark.parametrize(
    ("topic_obj", "urgent", "text", "expected"),
    [
        (None, False, "", "normal"),
        (None, True, "", "normal"),  # no topic: the visitor's urgent choice is not offered
        (topic("high"), False, "", "high"),
        (topic("low"), False, "", "low"),
        (topic("normal", allow_urgent=False), True, "", "normal"),
        (topic("normal", allow_urgent=True), True, "", "urgent"),
        (topic("low"), False, "the POS is DOWN since morning", "urgent"),
        (topic("urgent"), False, "refund please", "urgent"),  # keywords never lower
        (topic("normal"), False, "İade istiyorum", "high"),
    ],
)
def test_initial_priority(topic_obj, urgent, text, expected):
    rules = [("down", "urgent"), ("refund", "high"), ("iade", "high"), ("", "urgent")]
    assert (
        routing.initial_priority(topic=topic_obj, urgent_requested=urgent, text=text, rules=rules)
        == expected
    )


def candidate(pk, open_count, capacity=5, last_assigned_at=None):
    return Candidate(
        profile_id=pk,
        user_id=pk * 10,
        open_count=open_count,
        capacity=capacity,
        last_assigned_at=last_assigned_at,
    )


def test_choose_agent_prefers_fewest_open_then_longest_idle():
    busy = candidate(1, 3)
    idle_long = candidate(2, 1, last_assigned_at=T0 - timedelta(hours=2))
    idle_short = candidate(3, 1, last_assigned_at=T0 - timedelta(minutes=5))
    assert routing.choose_agent([busy, idle_short, idle_long]) == idle_long
    never = candidate(4, 1, last_assigned_at=None)
    assert routing.choose_agent([idle_long, never, idle_short]) == never


def test_choose_agent_never_exceeds_capacity():
    assert routing.choose_agent([candidate(1, 5, capacity=5), candidate(2, 2, capacity=2)]) is None
    assert routing.choose_agent([candidate(1, 0, capacity=0)]) is None
    assert routing.choose_agent([]) is None
    assert routing.choose_agent([candidate(1, 4, capacity=5), candidate(2, 1, capacity=1)]) == (
        candidate(1, 4, capacity=5)
    )


def test_due_times():
    first, resolution = routing.due_times(
        start=T0, first_response_seconds=120, resolution_seconds=3600
    )
    assert first == T0 + timedelta(minutes=2)
    assert resolution == T0 + timedelta(hours=1)
    assert routing.due_times(start=T0, first_response_seconds=None, resolution_seconds=None) == (
        None,
        None,
    )


def test_estimated_wait_is_the_median_recent_wait_times_the_position():
    assert routing.estimated_wait_seconds(recent_waits=[60, 120, 600], position=1) == 120
    assert routing.estimated_wait_seconds(recent_waits=[60, 120, 600], position=3) == 360
    assert routing.estimated_wait_seconds(recent_waits=[60, 120], position=2) == 180
    assert routing.estimated_wait_seconds(recent_waits=[1, 2], position=1) == 30  # floor
    assert routing.estimated_wait_seconds(recent_waits=[], position=1) is None


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("İADE", "iade"),
        ("ıade", "iade"),
        ("Şifremi UNUTTUM", "sifremi unuttum"),
        ("Ödeme", "odeme"),
    ],
)
def test_fold_matches_turkish_spellings(text, folded):
    from support.text import fold

    assert fold(text) == folded
