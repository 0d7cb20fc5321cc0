"""Widget session creation is limited per client address (429), in a counter every process
shares (a database row), and the window resets."""

from datetime import timedelta

import pytest
from django.utils import timezone

from support import services
from support.models import Contact, RateLimitBucket
from tests import factories

pytestmark = pytest.mark.django_db

SESSION = "/api/widget/v1/session"


@pytest.fixture
def limit(settings):
    settings.DESTEK = {**settings.DESTEK, "SESSION_RATE_LIMIT": 3}


def open_session(client, address="192.0.2.1"):
    return client.post(
        SESSION, {"widget_key": "w"}, content_type="application/json", REMOTE_ADDR=address
    )


def test_sessions_past_the_limit_get_429_and_create_nothing(client, limit):
    factories.widget(key="w")
    assert [open_session(client).status_code for _ in range(3)] == [200, 200, 200]

    refused = open_session(client)

    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert Contact.objects.count() == 3
    assert open_session(client, address="192.0.2.2").status_code == 200


def test_the_window_resets(client, limit):
    factories.widget(key="w")
    for _ in range(4):
        open_session(client)
    RateLimitBucket.objects.update(window_started_at=timezone.now() - timedelta(seconds=61))

    assert open_session(client).status_code == 200


def test_zero_turns_the_limit_off(client, settings):
    settings.DESTEK = {**settings.DESTEK, "SESSION_RATE_LIMIT": 0}
    factories.widget(key="w")

    assert {open_session(client).status_code for _ in range(40)} == {200}


def test_the_counter_allows_exactly_the_limit_per_window():
    now = timezone.now()
    hits = [services.rate_limit_hit(key="k", limit=5, window_seconds=60, now=now) for _ in range(8)]
    later = services.rate_limit_hit(
        key="k", limit=5, window_seconds=60, now=now + timedelta(seconds=61)
    )

    assert hits == [True] * 5 + [False] * 3
    assert later is True
