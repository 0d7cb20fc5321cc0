"""Routing rules that need no database: priorities, response targets, agent choice.

The services feed these with rows they loaded (and locked); keeping the rules pure makes them
easy to read and to test.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .models import PRIORITY_RANK, Priority
from .text import fold

# An agent's console pings every 20 s; two missed pings and they count as gone.
PRESENCE_TIMEOUT = timedelta(seconds=60)


def priority_max(*priorities: str) -> str:
    return max(priorities, key=lambda p: PRIORITY_RANK[p])


def initial_priority(
    *, topic, urgent_requested: bool, text: str, rules: Iterable[tuple[str, str]]
) -> str:
    """Topic default, raised by the visitor's urgent choice (if the topic allows) and keywords."""
    priority = topic.default_priority if topic else Priority.NORMAL
    if urgent_requested and topic is not None and topic.allow_urgent:
        priority = Priority.URGENT
    return priority_max(priority, keyword_priority(text=text, rules=rules, floor=priority))


def keyword_priority(*, text: str, rules: Iterable[tuple[str, str]], floor: str) -> str:
    """The highest priority among rules whose keyword appears in the text (folded)."""
    folded = fold(text)
    priority = floor
    for keyword, rule_priority in rules:
        if keyword and fold(keyword) in folded:
            priority = priority_max(priority, rule_priority)
    return priority


@dataclass(frozen=True)
class Candidate:
    """An online agent who may take a conversation, with their current load."""

    profile_id: int
    user_id: int
    open_count: int
    capacity: int
    last_assigned_at: datetime | None


def choose_agent(candidates: Iterable[Candidate]) -> Candidate | None:
    """Fewest open conversations first, then the one idle longest; never over capacity."""
    eligible = [c for c in candidates if c.open_count < c.capacity]
    if not eligible:
        return None
    return min(
        eligible,
        key=lambda c: (
            c.open_count,
            c.last_assigned_at is not None,
            c.last_assigned_at or datetime.min,
            c.profile_id,
        ),
    )


def due_times(
    *, start: datetime, first_response_seconds: int | None, resolution_seconds: int | None
) -> tuple[datetime | None, datetime | None]:
    first = start + timedelta(seconds=first_response_seconds) if first_response_seconds else None
    resolution = start + timedelta(seconds=resolution_seconds) if resolution_seconds else None
    return first, resolution


def estimated_wait_seconds(*, recent_waits: list[float], position: int) -> int | None:
    """Median of recent real first-response waits, times the place in the queue."""
    if not recent_waits or position < 1:
        return None
    ordered = sorted(recent_waits)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return max(30, round(median * position))
