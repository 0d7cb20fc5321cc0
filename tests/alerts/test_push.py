"""Web Push alerts for agents: subscriptions, preferences, the pushes the domain's events send
(to a local push service that checks the VAPID header and decrypts the payload), the e-mail
for a conversation waiting past its target, and who may do what."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from alerts import services, vapid
from alerts.models import AlertPreference, PushSubscription
from support import automation, errors
from support import services as support_services
from support.models import Conversation
from tests import factories

from .pushserver import BrowserKeys, PushService, b64encode, vapid_verify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def vapid_keys(settings):
    public, private = vapid.keys_generate()
    settings.DESTEK = {
        **settings.DESTEK,
        "VAPID_PUBLIC_KEY": public,
        "VAPID_PRIVATE_KEY": private,
        "VAPID_SUBJECT": "mailto:ops@example.com",
        "PUSH_ALLOW_PRIVATE_ENDPOINTS": True,
    }
    return public


@pytest.fixture
def push_service():
    with PushService() as service:
        yield service


def subscribe(user, push_service, name="browser"):
    keys = BrowserKeys()
    services.push_subscription_save(
        user=user,
        subscription={
            "endpoint": f"{push_service.url}/push/{name}",
            "keys": {"p256dh": keys.p256dh, "auth": b64encode(keys.auth)},
        },
    )
    return keys


def push_origin(push) -> str:
    return f"http://{push['headers']['host']}"


def opened(push, keys, public_key) -> dict:
    claims = vapid_verify(push["headers"]["authorization"], public_key=public_key)
    assert claims["sub"] == "mailto:ops@example.com"
    assert claims["aud"] == push_origin(push)
    assert push["headers"]["content-encoding"] == "aes128gcm"
    assert int(push["headers"]["ttl"]) == services.PUSH_TTL_SECONDS
    return json.loads(keys.decrypt(push["body"]))


def test_an_assignment_by_a_colleague_pushes_to_the_assignee_encrypted_and_signed(
    push_service, vapid_keys, django_capture_on_commit_callbacks
):
    team = factories.team()
    ayse = factories.agent(teams=[team], display_name="Ayşe")
    boss = factories.supervisor(teams=[team])
    keys = subscribe(ayse.user, push_service)
    conversation = factories.conversation(body="Where is my order?")
    with django_capture_on_commit_callbacks(execute=True):
        support_services.conversation_assign(
            conversation=conversation, to_user=ayse.user, by_user=boss.user
        )
    [push] = [p for p in push_service.received if p["path"] == "/push/browser"]
    payload = opened(push, keys, vapid_keys)
    assert payload == {
        "title": f"Conversation #{conversation.pk} assigned to you",
        "body": conversation.contact.display_name,
        "url": f"/console/conversations/{conversation.pk}/",
        "tag": f"destek-assigned-{conversation.pk}",
    }
    assert PushSubscription.objects.get().last_sent_at is not None


def test_taking_a_conversation_yourself_pushes_nothing(
    push_service, django_capture_on_commit_callbacks
):
    ayse = factories.agent()
    subscribe(ayse.user, push_service)
    conversation = factories.conversation()
    with django_capture_on_commit_callbacks(execute=True):
        support_services.conversation_assign(
            conversation=conversation, to_user=ayse.user, by_user=ayse.user
        )
    assert push_service.received == []


def test_a_mention_pushes_in_the_agents_language_and_a_preference_turns_it_off(
    push_service, django_capture_on_commit_callbacks
):
    ayse = factories.agent(username="ayse", display_name="Ayşe")
    ayse.language = "tr"
    ayse.save()
    ali = factories.agent(username="ali", display_name="Ali")
    boss = factories.supervisor(display_name="Zeynep")
    keys_ayse = subscribe(ayse.user, push_service, "ayse")
    subscribe(ali.user, push_service, "ali")
    services.alert_preference_update(
        user=ali.user, push_assigned=True, push_queued=True, push_mentions=False, email_waiting=True
    )
    conversation = factories.conversation()
    # Both may see it: supervisors and, unrouted and unassigned, every agent.
    with django_capture_on_commit_callbacks(execute=True):
        factories.note(
            conversation=conversation, author=boss, body="@ayse @ali look at this\nsecond"
        )
    paths = [p["path"] for p in push_service.received]
    assert "/push/ali" not in paths
    [push] = [p for p in push_service.received if p["path"] == "/push/ayse"]
    payload = json.loads(keys_ayse.decrypt(push["body"]))
    assert payload["title"] == "Zeynep bir notta sizden bahsetti"
    assert payload["body"] == "@ayse @ali look at this"


def test_a_queued_conversation_pushes_to_its_teams_agents(
    push_service, django_capture_on_commit_callbacks
):
    team = factories.team()
    other_team = factories.team()
    member = factories.agent(teams=[team])
    outsider = factories.agent(teams=[other_team])
    subscribe(member.user, push_service, "member")
    subscribe(outsider.user, push_service, "outsider")
    factories.topic(slug="billing", team=team)
    with django_capture_on_commit_callbacks(execute=True):
        conversation = factories.conversation(topic_slug="billing")
    assert conversation.status == Conversation.Status.QUEUED
    assert [p["path"] for p in push_service.received] == ["/push/member"]


def test_a_subscription_the_push_service_says_is_gone_is_dropped(push_service):
    ayse = factories.agent()
    subscribe(ayse.user, push_service)
    push_service.status = 410
    conversation = factories.conversation()
    sent = services.push_alert_send(
        kind="assigned", conversation_id=conversation.pk, user_ids=[ayse.user_id]
    )
    assert sent == 0
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "subscription",
    [
        None,
        "text",
        {"endpoint": "https://push.example.com/x"},
        {"endpoint": "", "keys": {"p256dh": "a", "auth": "b"}},
        {"endpoint": "ftp://push.example.com/x", "keys": {"p256dh": "a", "auth": "b"}},
        {"endpoint": "https://push.example.com/x", "keys": {"p256dh": 1, "auth": "b"}},
    ],
)
def test_what_is_not_a_subscription_is_refused(subscription):
    with pytest.raises(errors.InvalidInput):
        services.push_subscription_save(user=factories.agent().user, subscription=subscription)
    assert not PushSubscription.objects.exists()


def test_endpoints_on_private_addresses_are_refused_in_production(settings):
    settings.DESTEK = {**settings.DESTEK, "PUSH_ALLOW_PRIVATE_ENDPOINTS": False}
    for endpoint in ("http://127.0.0.1:9/x", "https://127.0.0.1/x", "https://10.0.0.5/x"):
        with pytest.raises(errors.InvalidInput):
            services.push_subscription_save(
                user=factories.agent().user,
                subscription={"endpoint": endpoint, "keys": {"p256dh": "a", "auth": "b"}},
            )


def test_without_vapid_keys_push_is_off(settings):
    settings.DESTEK = {**settings.DESTEK, "VAPID_PUBLIC_KEY": "", "VAPID_PRIVATE_KEY": ""}
    with pytest.raises(errors.InvalidInput) as refused:
        services.push_subscription_save(
            user=factories.agent().user,
            subscription={
                "endpoint": "https://push.example.com/x",
                "keys": {"p256dh": "a", "auth": "b"},
            },
        )
    assert refused.value.code == "push_off"


def test_the_subscribe_endpoints_are_the_agents_own(push_service):
    ayse = factories.agent()
    client = Client()
    client.force_login(ayse.user)
    keys = BrowserKeys()
    body = {
        "endpoint": f"{push_service.url}/push/1",
        "keys": {"p256dh": keys.p256dh, "auth": b64encode(keys.auth)},
    }
    response = client.post(
        "/console/alerts/push/subscribe", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 201
    assert PushSubscription.objects.get().user == ayse.user
    # Someone else cannot remove it.
    other = Client()
    other.force_login(factories.agent().user)
    response = other.post(
        "/console/alerts/push/unsubscribe",
        json.dumps({"endpoint": body["endpoint"]}),
        content_type="application/json",
    )
    assert response.json() == {"removed": False}
    assert PushSubscription.objects.exists()
    response = client.post(
        "/console/alerts/push/unsubscribe",
        json.dumps({"endpoint": body["endpoint"]}),
        content_type="application/json",
    )
    assert response.json() == {"removed": True}
    bad = client.post(
        "/console/alerts/push/subscribe", "{not json", content_type="application/json"
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_json"


def test_visitors_and_anonymous_users_cannot_subscribe():
    anonymous = Client().post(
        "/console/alerts/push/subscribe", "{}", content_type="application/json"
    )
    assert anonymous.status_code == 302
    from django.contrib.auth import get_user_model

    stranger = get_user_model().objects.create_user(username="stranger", password="x-pw-12345")
    client = Client()
    client.force_login(stranger)
    assert (
        client.post(
            "/console/alerts/push/subscribe", "{}", content_type="application/json"
        ).status_code
        == 403
    )


def test_the_preferences_form_saves_and_the_page_speaks_turkish():
    ayse = factories.agent()
    client = Client()
    client.force_login(ayse.user)
    page = client.get("/console/alerts/")
    assert page.status_code == 200
    assert 'id="pref-push_mentions" checked' in page.content.decode()
    response = client.post("/console/alerts/", {"push_assigned": "on", "email_waiting": "on"})
    assert response.status_code == 200
    preference = AlertPreference.objects.get(user=ayse.user)
    assert (preference.push_assigned, preference.push_queued, preference.push_mentions) == (
        True,
        False,
        False,
    )
    ayse.language = "tr"
    ayse.save()
    assert "Uyarılar" in client.get("/console/alerts/").content.decode()


def test_the_service_worker_is_served_from_the_consoles_scope():
    response = Client().get("/console/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "showNotification" in response.content.decode()


def test_a_conversation_waiting_past_its_target_emails_its_offline_agent_once(
    django_capture_on_commit_callbacks,
):
    team = factories.team()
    offline = factories.agent(teams=[team], online=False)
    offline.user.email = "offline@example.com"
    offline.user.save()
    # Online but full: it stays in the queue, and they see it in their console.
    online = factories.agent(teams=[team], online=True, capacity=0)
    online.user.email = "online@example.com"
    online.user.save()
    muted = factories.agent(teams=[team])
    muted.user.email = "muted@example.com"
    muted.user.save()
    services.alert_preference_update(
        user=muted.user,
        push_assigned=True,
        push_queued=True,
        push_mentions=True,
        email_waiting=False,
    )
    factories.topic(slug="kitchen", team=team)
    conversation = factories.conversation(topic_slug="kitchen")
    assert conversation.assignee_id is None
    Conversation.objects.filter(pk=conversation.pk).update(
        first_response_due_at=timezone.now() - timedelta(minutes=1)
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        automation.sla_sweep()
    with django_capture_on_commit_callbacks(execute=True):
        automation.sla_sweep()  # marked once: no second e-mail
    alerts = [m for m in mail.outbox if "waiting past its target" in m.subject]
    assert [m.to for m in alerts] == [["offline@example.com"]]
    assert f"/console/conversations/{conversation.pk}/" in alerts[0].body


def test_the_waiting_email_to_a_turkish_agent_calls_it_a_konusma():
    team = factories.team()
    offline = factories.agent(teams=[team], online=False)
    offline.user.email = "offline@example.com"
    offline.user.save()
    offline.language = "tr"
    offline.save(update_fields=["language"])
    factories.topic(slug="kitchen", team=team)
    conversation = factories.conversation(topic_slug="kitchen")
    mail.outbox.clear()

    assert services.waiting_email_send(conversation_id=conversation.pk) == 1

    (email,) = mail.outbox
    assert "Konuşmayı açın:" in email.body
    assert "görüşme" not in email.body.lower()
