import json
import time
import uuid

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from integrations import services, webhooks
from integrations.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from ratings import services as rating_services
from support import services as support_services
from tests import factories

pytestmark = pytest.mark.django_db


def send_message(conversation, body="Where is my order?"):
    return factories.message(conversation=conversation, body=body)


def deliver_all():
    """What the in-process sweep (no broker) does over time: every due attempt, then each
    retry once its backoff has passed (moved to now here), until nothing is pending."""
    while True:
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__isnull=False
        ).update(next_attempt_at=timezone.now())
        if not services.webhook_deliveries_send_due():
            return


def test_delivery_is_signed_and_the_receiver_verifies_it(
    receiver, endpoint_for, django_capture_on_commit_callbacks
):
    conversation = factories.conversation()
    endpoint = endpoint_for(receiver.url)

    with django_capture_on_commit_callbacks(execute=True):
        message = send_message(conversation)
    assert receiver.requests == []  # not inside the change's request: the sweep sends it
    deliver_all()

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    headers = request["headers"]
    assert headers["Content-Type"] == "application/json"
    assert headers["Destek-Event"] == "message.created"

    # What a receiver does: recompute over the raw body, compare, check the timestamp.
    def receiver_accepts(*, secret=None, body=request["body"], now=None) -> bool:
        return webhooks.signature_is_valid(
            secret=secret or endpoint.secret,
            timestamp=headers["Destek-Timestamp"],
            body=body,
            header=headers["Destek-Signature"],
            now=time.time() if now is None else now,
        )

    assert receiver_accepts()
    assert not receiver_accepts(secret="another-secret")
    assert not receiver_accepts(body=request["body"] + b" ")
    # A replayed delivery is refused once it is older than the window.
    assert not receiver_accepts(now=time.time() + webhooks.REPLAY_WINDOW_SECONDS + 1)
    payload = json.loads(request["body"])
    assert payload["id"] == headers["Destek-Event-Id"]
    assert payload["type"] == "message.created"
    assert payload["data"]["message"]["id"] == message.pk
    assert payload["data"]["message"]["body"] == "Where is my order?"
    assert payload["data"]["conversation"]["id"] == conversation.pk

    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert str(delivery.event_id) == headers["Destek-Event-Id"]
    attempt = delivery.attempts.get()
    assert attempt.status_code == 200
    assert attempt.succeeded
    assert attempt.response_ms is not None
    assert '"received": true' in attempt.response_excerpt


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    import hashlib
    import hmac

    body = b'{"a":1}'
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert webhooks.signature(secret="s3cret", timestamp=1700000000, body=body) == (
        f"v1={expected}"
    )


def test_failing_receiver_is_retried_with_backoff_until_it_succeeds(
    receiver, endpoint_for, django_capture_on_commit_callbacks
):
    receiver.statuses = [500, 503]  # then 200
    conversation = factories.conversation()
    endpoint_for(receiver.url)

    with django_capture_on_commit_callbacks(execute=True):
        send_message(conversation)
    assert services.webhook_deliveries_send_due() == 1
    # A retry waits for its backoff: a sweep right after the failure sends nothing.
    assert services.webhook_deliveries_send_due() == 0
    assert len(receiver.requests) == 1
    deliver_all()

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert list(delivery.attempts.values_list("number", "status_code", "succeeded")) == [
        (1, 500, False),
        (2, 503, False),
        (3, 200, True),
    ]
    assert delivery.attempts.first().error == "HTTP 500"
    # Every attempt carries the same event id; each is signed afresh.
    assert len({r["headers"]["Destek-Event-Id"] for r in receiver.requests}) == 1
    assert len({r["body"] for r in receiver.requests}) == 1


def test_backoff_doubles_and_is_stored_as_the_next_attempt_time(receiver, endpoint_for):
    receiver.always = 500
    endpoint = endpoint_for(receiver.url, events=["contact.updated"])
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="contact.updated", payload={"type": "contact.updated"}
    )

    assert services.webhook_delivery_attempt(delivery_id=delivery.pk) == 30
    delivery.refresh_from_db()
    first_next = delivery.next_attempt_at
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert services.webhook_delivery_attempt(delivery_id=delivery.pk) == 60
    # The third of three attempts fails for good: no more retries.
    assert services.webhook_delivery_attempt(delivery_id=delivery.pk) is None
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.next_attempt_at is None
    assert first_next is not None
    assert [services.webhook_backoff_seconds(attempt=n) for n in (1, 2, 3, 4)] == [
        30,
        60,
        120,
        240,
    ]
    assert services.webhook_backoff_seconds(attempt=20) == 3600
    # A redelivered task of a finished delivery sends nothing.
    sent = len(receiver.requests)
    assert services.webhook_delivery_attempt(delivery_id=delivery.pk) is None
    assert len(receiver.requests) == sent


def test_endpoint_is_disabled_after_consecutive_failed_deliveries(
    receiver, endpoint_for, django_capture_on_commit_callbacks, admin_client
):
    factories.supervisor().user.__class__.objects.filter(username__startswith="agent").update(
        email="boss@example.com"
    )
    receiver.always = 500
    conversation = factories.conversation()
    endpoint = endpoint_for(receiver.url)

    with django_capture_on_commit_callbacks(execute=True):
        send_message(conversation, "one")
    deliver_all()
    endpoint.refresh_from_db()
    assert endpoint.is_active
    assert endpoint.consecutive_failures == 1
    with django_capture_on_commit_callbacks(execute=True):
        send_message(conversation, "two")
        deliver_all()

    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert endpoint.disabled_at is not None
    assert "HTTP 500" in endpoint.disabled_reason
    assert len(receiver.requests) == 6  # two deliveries × three attempts
    assert [m.to for m in mail.outbox] == [["boss@example.com"]]
    assert endpoint.url in mail.outbox[0].body

    # Nothing more is recorded or sent while it is off.
    with django_capture_on_commit_callbacks(execute=True):
        send_message(conversation, "three")
    deliver_all()
    assert WebhookDelivery.objects.count() == 2
    assert len(receiver.requests) == 6

    # The admin shows the notice.
    page = admin_client.get(reverse("admin:integrations_webhookendpoint_changelist"))
    assert "was disabled after repeated failures" in page.content.decode()
    assert "Disabled after failures." in page.content.decode()


def test_a_success_resets_the_failure_count(receiver, endpoint_for):
    endpoint = endpoint_for(receiver.url, events=["contact.updated"])
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=1)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="contact.updated", payload={}
    )
    services.webhook_delivery_attempt(delivery_id=delivery.pk)
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


def test_resend_from_the_admin_after_enabling_the_endpoint(
    receiver, endpoint_for, admin_client, django_capture_on_commit_callbacks
):
    receiver.always = 500
    conversation = factories.conversation()
    endpoint = endpoint_for(receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        send_message(conversation)
    deliver_all()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.FAILED

    receiver.always = None
    changelist = reverse("admin:integrations_webhookdelivery_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            changelist, {"action": "resend", "_selected_action": [delivery.pk]}, follow=True
        )
    assert "1 delivery queued again." in response.content.decode()
    deliver_all()
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert list(delivery.attempts.values_list("number", "status_code")) == [
        (1, 500),
        (2, 500),
        (3, 500),
        (4, 200),
    ]
    assert receiver.bodies()[-1]["id"] == str(delivery.event_id)

    # A disabled endpoint's deliveries are not re-sent; the supervisor is told why.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    response = admin_client.post(
        changelist, {"action": "resend", "_selected_action": [delivery.pk]}, follow=True
    )
    assert "Enable the endpoint CRM before re-sending" in response.content.decode()


def test_enable_action_clears_the_disabled_state(endpoint_for, admin_client):
    endpoint = endpoint_for("http://127.0.0.1:9/")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False, consecutive_failures=5, disabled_reason="x"
    )
    admin_client.post(
        reverse("admin:integrations_webhookendpoint_changelist"),
        {"action": "enable_endpoints", "_selected_action": [endpoint.pk]},
    )
    endpoint.refresh_from_db()
    assert endpoint.is_active
    assert endpoint.consecutive_failures == 0
    assert endpoint.disabled_at is None


def test_timeout_is_logged_as_a_failed_attempt(receiver, endpoint_for, settings):
    settings.DESTEK = {**settings.DESTEK, "WEBHOOK_TIMEOUT_SECONDS": 0.3}
    receiver.delay = 1.0
    endpoint = endpoint_for(receiver.url, events=["contact.updated"])
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="contact.updated", payload={}
    )
    assert services.webhook_delivery_attempt(delivery_id=delivery.pk) == 30
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert "Timeout" in attempt.error


def test_private_addresses_are_refused_unless_allowed(receiver, endpoint_for, settings):
    settings.DESTEK = {**settings.DESTEK, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": False}
    for url in (
        "http://127.0.0.1:8000/",
        "http://localhost/",
        "http://10.0.0.5/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
    ):
        with pytest.raises(ValidationError):
            webhooks.url_check(url)
    with pytest.raises(ValidationError):
        webhooks.url_check("ftp://example.com/")
    assert webhooks.address_is_public("93.184.216.34")

    # Checked again at send time: nothing goes out, the attempt says why.
    endpoint = endpoint_for(receiver.url, events=["contact.updated"])
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="contact.updated", payload={}
    )
    services.webhook_delivery_attempt(delivery_id=delivery.pk)
    assert receiver.requests == []
    assert "private or local address" in WebhookAttempt.objects.get().error


@pytest.mark.parametrize(
    "url",
    [
        "http://[::127.0.0.1]/",  # IPv4-compatible loopback
        "http://[::a9fe:a9fe]/",  # IPv4-compatible cloud metadata
        "http://[::ffff:7f00:1]/",  # IPv4-mapped, written in hex
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
        "http://[64:ff9b::10.0.0.5]/",  # NAT64 of a private address
        "http://[64:ff9b:1::a9fe:a9fe]/",  # NAT64 local-use prefix
        "http://[2002:a9fe:a9fe::]/",  # 6to4 of 169.254.169.254
        "http://[2002:7f00:1::1]/",  # 6to4 of loopback
        "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",  # Teredo, client 127.0.0.1
    ],
)
def test_ipv6_forms_embedding_a_private_ipv4_are_refused(url, settings):
    settings.DESTEK = {**settings.DESTEK, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": False}
    with pytest.raises(ValidationError, match="private or local address"):
        webhooks.url_check(url)


def test_ipv6_forms_embedding_a_public_ipv4_are_judged_by_it():
    public = "93.184.216.34"  # 5db8:d822
    assert webhooks.address_is_public(f"::ffff:{public}")
    assert webhooks.address_is_public("64:ff9b::5db8:d822")
    assert webhooks.address_is_public("2002:5db8:d822::1")
    assert webhooks.address_is_public("2001:4860:4860::8888")  # plain global IPv6


def test_admin_form_refuses_a_private_url(admin_client, settings):
    settings.DESTEK = {**settings.DESTEK, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": False}
    response = admin_client.post(
        reverse("admin:integrations_webhookendpoint_add"),
        {"name": "Internal", "url": "http://127.0.0.1:6379/", "events": ["message.created"]},
    )
    assert response.status_code == 200
    assert "private or local address" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_admin_registers_an_endpoint_with_a_secret(admin_client):
    response = admin_client.post(
        reverse("admin:integrations_webhookendpoint_add"),
        {
            "name": "CRM",
            "url": "http://127.0.0.1:9/hook",
            "events": ["message.created", "conversation.resolved"],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["message.created", "conversation.resolved"]
    assert endpoint.secret.startswith("whsec_")
    page = admin_client.get(
        reverse("admin:integrations_webhookendpoint_change", args=[endpoint.pk])
    )
    assert endpoint.secret in page.content.decode()


def test_agents_who_are_not_supervisors_cannot_see_webhooks(client):
    profile = factories.agent()
    profile.user.is_staff = True
    profile.user.save()
    from django.contrib.auth.models import Permission

    profile.user.user_permissions.set(Permission.objects.filter(codename__contains="webhook"))
    client.force_login(profile.user)
    response = client.get(reverse("admin:integrations_webhookendpoint_changelist"))
    assert response.status_code == 403


# --- Which events are emitted, and only after commit ---------------------------------------


@pytest.fixture
def all_events(receiver, endpoint_for):
    return endpoint_for(
        receiver.url,
        events=[
            "conversation.created",
            "message.created",
            "conversation.resolved",
            "rating.created",
            "contact.updated",
        ],
    )


def test_each_domain_event_reaches_the_endpoint(
    receiver, all_events, django_capture_on_commit_callbacks
):
    widget = factories.widget()
    agent = factories.agent(display_name="Ayşe")
    with django_capture_on_commit_callbacks(execute=True):
        contact, _token = factories.visitor(
            widget_obj=widget, external_id="u-42", contact_data={"email": "a@example.com"}
        )
    deliver_all()
    assert [b["type"] for b in receiver.bodies()] == ["contact.updated"]
    assert receiver.bodies()[0]["data"]["contact"]["external_id"] == "u-42"
    assert receiver.bodies()[0]["data"]["contact"]["email"] == "a@example.com"

    with django_capture_on_commit_callbacks(execute=True):
        conversation = factories.conversation(contact=contact, body="Hello")
    deliver_all()
    assert [b["type"] for b in receiver.bodies()[1:]] == [
        "conversation.created",
        "message.created",
    ]

    with django_capture_on_commit_callbacks(execute=True):
        support_services.conversation_resolve(conversation=conversation, agent=agent.user)
    deliver_all()
    resolved = [b for b in receiver.bodies() if b["type"] == "conversation.resolved"]
    assert resolved[0]["data"]["conversation"]["status"] == "resolved"

    with django_capture_on_commit_callbacks(execute=True):
        rating_services.rating_submit(conversation=conversation, score=5, comment="Great")
    deliver_all()
    rating = next(b for b in receiver.bodies() if b["type"] == "rating.created")
    assert rating["data"]["rating"]["score"] == 5
    assert rating["data"]["conversation"]["id"] == conversation.pk
    for body in receiver.bodies():
        uuid.UUID(body["id"])


def test_unchanged_contact_on_a_new_session_sends_nothing(
    receiver, all_events, django_capture_on_commit_callbacks
):
    widget = factories.widget()
    factories.visitor(widget_obj=widget, external_id="u-1")
    deliver_all()
    sent = len(receiver.requests)
    with django_capture_on_commit_callbacks(execute=True):
        factories.visitor(widget_obj=widget, external_id="u-1")
        factories.visitor(widget_obj=widget)  # anonymous, no data
    deliver_all()
    assert len(receiver.requests) == sent == 1


def test_a_rolled_back_change_sends_nothing(receiver, endpoint_for):
    conversation = factories.conversation()
    endpoint_for(receiver.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        send_message(conversation)
        raise RuntimeError("rolled back")
    assert not WebhookDelivery.objects.exists()
    assert receiver.requests == []


def test_only_subscribed_and_active_endpoints_get_deliveries(
    receiver, endpoint_for, django_capture_on_commit_callbacks
):
    conversation = factories.conversation()
    endpoint_for(receiver.url, events=["rating.created"])
    endpoint_for(receiver.url, events=["message.created"], is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        send_message(conversation)
    assert not WebhookDelivery.objects.exists()


def test_an_agent_editing_a_contact_sends_contact_updated(all_events, receiver):
    contact, _token = factories.visitor(widget_obj=factories.widget())
    agent = factories.agent()
    support_services.contact_update(
        contact=contact, by_user=agent.user, name="Ada Lovelace", email="ada@example.com"
    )
    delivery = WebhookDelivery.objects.get(event="contact.updated")
    assert delivery.payload["data"]["contact"]["name"] == "Ada Lovelace"
    support_services.contact_update(
        contact=contact, by_user=agent.user, name="Ada Lovelace", email="ada@example.com"
    )
    assert WebhookDelivery.objects.filter(event="contact.updated").count() == 1
