"""Widget session creation is limited per client address (429), in a counter every process
shares (a database row), and the window resets; so are a visitor's messages (per
conversation), new conversations, FAQ searches and trigger fires, answered 429 with
Retry-After."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from proactive.models import TriggerDisplay
from support import services, tasks
from support.models import Contact, Conversation, Message, RateLimitBucket
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


# --- Widget sends and other per-subject limits (issue 26): 429 with Retry-After ---------------

API = "/api/widget/v1/"


def widget_post(client, path, data, token):
    return client.post(
        API + path,
        json.dumps(data),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def assert_limited(response):
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert response.json()["error"]["detail"]
    # Whole seconds until the window ends (60 s windows here).
    assert 1 <= int(response["Retry-After"]) <= 60


def test_http_sends_past_the_limit_are_429_with_retry_after_and_store_nothing(client, settings):
    settings.DESTEK = {**settings.DESTEK, "MESSAGE_RATE_LIMIT": 3}
    contact, token = factories.visitor()
    conversation = factories.conversation(contact=contact)
    path = f"conversations/{conversation.pk}/messages"
    sent = [
        widget_post(client, path, {"body": f"m{i}", "client_id": f"c{i}"}, token).status_code
        for i in range(3)
    ]

    refused = widget_post(client, path, {"body": "flood", "client_id": "c-flood"}, token)

    assert sent == [201, 201, 201]
    assert_limited(refused)
    assert not Message.objects.filter(client_id="c-flood").exists()
    # The limit is per conversation: the same visitor's other one is not held up.
    other = factories.conversation(contact=contact)
    path = f"conversations/{other.pk}/messages"
    assert widget_post(client, path, {"body": "hi", "client_id": "o1"}, token).status_code == 201


def test_starting_conversations_past_the_limit_is_429_and_a_retry_is_not_counted(client, settings):
    settings.DESTEK = {**settings.DESTEK, "CONVERSATION_RATE_LIMIT": 2}
    _contact, token = factories.visitor()
    first = widget_post(client, "conversations", {"body": "one", "client_id": "s1"}, token)
    widget_post(client, "conversations", {"body": "two", "client_id": "s2"}, token)

    retried = widget_post(client, "conversations", {"body": "one", "client_id": "s1"}, token)
    refused = widget_post(client, "conversations", {"body": "three", "client_id": "s3"}, token)

    assert (first.status_code, retried.status_code) == (201, 200)
    assert retried.json()["id"] == first.json()["id"]
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 3600
    assert Conversation.objects.count() == 2


def test_faq_searches_past_the_limit_are_429(client, settings):
    settings.DESTEK = {**settings.DESTEK, "FAQ_SEARCH_RATE_LIMIT": 2}
    _contact, token = factories.visitor()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    answers = [client.get(API + "faq", {"q": "refund"}, **auth) for _ in range(3)]

    assert [a.status_code for a in answers[:2]] == [200, 200]
    assert_limited(answers[2])


def test_trigger_fires_past_the_limit_are_429_whatever_the_visitor_id(client, settings):
    settings.DESTEK = {**settings.DESTEK, "TRIGGER_FIRE_RATE_LIMIT": 2}
    widget = factories.widget(allowed_origins=["https://shop.example"])
    trigger = factories.trigger(widget_obj=widget)

    def fire(visitor_id):
        return client.post(
            f"{API}triggers/{trigger.pk}/fire",
            json.dumps({"widget_key": widget.key, "visitor_id": visitor_id}),
            content_type="text/plain",
            HTTP_ORIGIN="https://shop.example",
            REMOTE_ADDR="192.0.2.9",
        )

    answers = [fire(f"random-visitor-{i}") for i in range(3)]

    assert [a.status_code for a in answers[:2]] == [200, 200]
    assert_limited(answers[2])
    assert answers[2]["Access-Control-Allow-Origin"] == "https://shop.example"
    assert TriggerDisplay.objects.count() == 2


def test_the_nightly_sweep_deletes_counters_long_out_of_their_window(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    services.rate_limit_hit(key="old", limit=5, window_seconds=60)
    services.rate_limit_hit(key="recent", limit=5, window_seconds=60)
    RateLimitBucket.objects.filter(key="old").update(
        window_started_at=timezone.now() - timedelta(days=8)
    )

    tasks.retention_sweep.delay()

    assert list(RateLimitBucket.objects.values_list("key", flat=True)) == ["recent"]
