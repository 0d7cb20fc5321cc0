"""Sign-in lockout: repeated failures lock a username from an address, console and admin."""

from datetime import timedelta

import pytest
from django.utils import timezone

from support.models import AuditEvent, RateLimitBucket
from tests import factories

pytestmark = pytest.mark.django_db

CONSOLE = "/console/login/"
ADMIN = "/admin/login/"


@pytest.fixture
def lockout(settings):
    settings.DESTEK = {
        **settings.DESTEK,
        "LOGIN_MAX_FAILURES": 3,
        "LOGIN_ADDRESS_MAX_FAILURES": 5,
        "LOGIN_LOCKOUT_SECONDS": 600,
    }


def sign_in(client, url, username, password, address="10.0.0.1"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.parametrize("url", [CONSOLE, ADMIN])
def test_failures_lock_the_username_even_with_the_right_password(client, lockout, url):
    agent = factories.agent(username="ayse")
    agent.user.is_staff = True
    agent.user.save()

    for _ in range(2):
        response = sign_in(client, url, "ayse", "wrong")
        assert response.status_code == 200
        assert "Too many failed sign-ins" not in response.text
    third = sign_in(client, url, "ayse", "wrong")
    assert "Too many failed sign-ins. Try again in 10 minutes." in third.text

    right = sign_in(client, url, "ayse", "pw-12345-test")

    assert right.status_code == 200  # the form again, not a redirect
    assert "Too many failed sign-ins" in right.text
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_LOCKED)
    assert event.detail == {"username": "ayse", "failures": 3}
    assert event.ip_address == "10.0.0.1"
    assert event.actor is None and event.actor_name == "system"


def test_the_lock_is_per_address_and_ends_after_the_window(client, lockout):
    factories.agent(username="ayse")
    for _ in range(3):
        sign_in(client, CONSOLE, "ayse", "wrong")

    other_address = sign_in(client, CONSOLE, "ayse", "pw-12345-test", address="10.0.0.2")
    assert other_address.status_code == 302
    client.logout()

    RateLimitBucket.objects.update(window_started_at=timezone.now() - timedelta(seconds=601))
    after_window = sign_in(client, CONSOLE, "ayse", "pw-12345-test")
    assert after_window.status_code == 302


@pytest.mark.parametrize("url", [CONSOLE, ADMIN])
def test_an_address_trying_many_usernames_is_locked_for_every_username(client, lockout, url):
    for name in ("ayse", "mehmet"):
        user = factories.agent(username=name).user
        user.is_staff = True
        user.save()
    # One failure each: no username reaches its own limit (3), the address reaches its (5).
    for name in ("admin", "root", "support", "info"):
        assert "Too many failed sign-ins" not in sign_in(client, url, name, "guess").text
    # A sign-in of one's own account does not reset the address's count.
    assert "Too many failed sign-ins" not in sign_in(client, url, "mehmet", "pw-12345-test").text
    client.logout()
    fifth = sign_in(client, url, "operator", "guess")
    assert "Too many failed sign-ins. Try again in 10 minutes." in fifth.text

    right = sign_in(client, url, "ayse", "pw-12345-test")

    assert right.status_code == 200
    assert "Too many failed sign-ins" in right.text
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_LOCKED)
    assert event.detail == {"username": "operator", "failures": 5, "every_username": True}
    assert event.ip_address == "10.0.0.1"
    # Only that address is locked out.
    assert sign_in(client, url, "ayse", "pw-12345-test", address="10.0.0.2").status_code == 302


def test_a_successful_sign_in_forgets_earlier_failures(client, lockout):
    factories.agent(username="ayse")
    sign_in(client, CONSOLE, "ayse", "wrong")
    sign_in(client, CONSOLE, "ayse", "wrong")
    assert sign_in(client, CONSOLE, "ayse", "pw-12345-test").status_code == 302
    client.logout()

    for _ in range(2):
        sign_in(client, CONSOLE, "ayse", "wrong")

    assert sign_in(client, CONSOLE, "ayse", "pw-12345-test").status_code == 302
    assert not AuditEvent.objects.exists()


def test_usernames_are_counted_case_insensitively(client, lockout):
    factories.agent(username="ayse")
    for name in ("ayse", "AYSE", "Ayse"):
        sign_in(client, CONSOLE, name, "wrong")

    assert "Too many failed sign-ins" in sign_in(client, CONSOLE, "ayse", "pw-12345-test").text


def test_zero_turns_the_lockout_off(client, settings):
    settings.DESTEK = {**settings.DESTEK, "LOGIN_MAX_FAILURES": 0, "LOGIN_ADDRESS_MAX_FAILURES": 0}
    factories.agent(username="ayse")
    for _ in range(10):
        sign_in(client, CONSOLE, "ayse", "wrong")

    assert sign_in(client, CONSOLE, "ayse", "pw-12345-test").status_code == 302
    assert not RateLimitBucket.objects.exists()


def test_the_client_address_comes_from_the_proxy_only_when_trusted(client, lockout, settings):
    factories.agent(username="ayse")
    for n in range(3):
        client.post(
            CONSOLE,
            {"username": "ayse", "password": "wrong"},
            REMOTE_ADDR="10.0.0.9",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
    # Untrusted header: all three came from the proxy's address and counted together.
    assert set(RateLimitBucket.objects.values_list("key", flat=True)) == {
        "login:ayse:10.0.0.9",
        "login-address:10.0.0.9",
    }

    settings.DESTEK = {**settings.DESTEK, "TRUST_X_FORWARDED_FOR": True}
    client.post(
        CONSOLE,
        {"username": "ayse", "password": "pw-12345-test"},
        REMOTE_ADDR="10.0.0.9",
        HTTP_X_FORWARDED_FOR="spoofed, 203.0.113.7",
    )
    assert "_auth_user_id" in client.session
