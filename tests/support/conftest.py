"""The report fixture: a week of conversations whose figures were worked out by hand.

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
from django.utils import timezone

from ratings import services as rating_services
from support import services as support_services
from support.models import Conversation, Message
from tests import factories

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


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """timezone.now() frozen at Monday 1 June 2026 10:00 in Istanbul; a test moves clock.now."""
    frozen = Clock(datetime(2026, 6, 1, 7, 0, tzinfo=UTC))
    monkeypatch.setattr(timezone, "now", frozen)
    return frozen


def rating_prompt_after_an_answer(conversation, *, agent, capture) -> Message:
    """An agent answers ("Yolda!") and resolves the conversation, each step committed
    (`capture`: django_capture_on_commit_callbacks); the rating prompt the customer is sent."""
    with capture(execute=True):
        support_services.message_send(
            conversation=conversation, sender_type="agent", body="Yolda!", agent=agent.user
        )
    with capture(execute=True):
        support_services.conversation_resolve(conversation=conversation, agent=agent.user)
    return conversation.messages.get(client_id__startswith="rating-prompt-")
