"""The contact panel's context cards (console/views/context.py): the page only names the
fragment (htmx loads it after), the fragment asks the host and shows typed, escaped cards or a
quiet note, only for verified contacts of a widget with a context URL, access-checked."""

import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from support.models import AgentProfile
from tests import factories
from tests.factories import logged_in
from tests.integrations.context_host import ANSWER, SECRET, HostServer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _local_host_allowed(settings):
    # The host below listens on loopback, as a developer's would (DEBUG's default).
    settings.DESTEK = {**settings.DESTEK, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": True}
    cache.clear()


@pytest.fixture
def host():
    server = HostServer()
    yield server
    server.close()


def verified_conversation(*, widget, external_id="user-42"):
    contact, _token = factories.visitor(widget_obj=widget, external_id=external_id)
    return factories.conversation(contact=contact)


def cards_url(conversation) -> str:
    return reverse("console:conversation_context_cards", args=[conversation.pk])


def page_url(conversation) -> str:
    return reverse("console:conversation", args=[conversation.pk])


def shop(host) -> object:
    widget = factories.widget(secret=SECRET)
    widget.context_url = host.url
    widget.save()
    return widget


def test_the_page_names_the_fragment_and_does_not_wait_for_the_host(host):
    conversation = verified_conversation(widget=shop(host))
    page = logged_in(factories.supervisor()).get(page_url(conversation))
    html = page.content.decode()
    assert page.status_code == 200
    assert f'hx-get="{cards_url(conversation)}" hx-trigger="load"' in html
    assert "Loading order details…" in html
    assert host.requests == []


def test_the_fragment_shows_the_hosts_orders_escaped(host):
    answer = json.loads(json.dumps(ANSWER))
    answer["cards"][0]["orders"][0]["items"].append({"name": "<img src=x onerror=alert(1)>"})
    answer["cards"].append({"type": "html", "html": "<script>alert(1)</script>"})
    host.body = json.dumps(answer).encode()
    widget = shop(host)
    conversation = verified_conversation(widget=widget)
    response = logged_in(factories.supervisor()).get(cards_url(conversation))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-insert="#1042"' in html and "Insert #1042" in html
    assert 'href="https://shop.example.com/orders/1042"' in html
    assert "185.00 TRY" in html and "On the way" in html and "2 ×</span> Simit" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img" not in html
    assert "<script" not in html
    assert "Plan" in html and "Gold" in html
    (request,) = host.requests
    assert request["valid"]
    assert json.loads(request["body"]) == {
        "external_id": "user-42",
        "widget": widget.key,
        "conversation_id": conversation.pk,
    }


def test_the_fragment_is_few_queries_and_cached(host, django_assert_max_num_queries):
    conversation = verified_conversation(widget=shop(host))
    client = logged_in(factories.supervisor())
    client.get(cards_url(conversation))
    # Session, user, profile (and its teams), the conversation, the widget.
    with django_assert_max_num_queries(6):
        response = client.get(cards_url(conversation))
    assert b"1042" in response.content
    assert len(host.requests) == 1  # the second came from the cache
    client.get(cards_url(conversation) + "?refresh=1")
    assert len(host.requests) == 2


@pytest.mark.django_db(transaction=True)
def test_the_page_costs_no_query_more_for_the_panel(host):
    """Whether to load cards comes from the per-process copy of the widgets with a URL
    (committed rows: a test transaction keeps the copy from being shared)."""
    conversation = verified_conversation(widget=shop(host))
    client = logged_in(factories.supervisor())
    client.get(page_url(conversation))
    with CaptureQueriesContext(connection) as queries:
        html = client.get(page_url(conversation)).content.decode()
    assert cards_url(conversation) in html
    assert not [q for q in queries.captured_queries if "context_url" in q["sql"]]


def test_a_failing_host_is_a_quiet_note_with_the_reason(host):
    host.status = 500
    conversation = verified_conversation(widget=shop(host))
    response = logged_in(factories.supervisor()).get(cards_url(conversation))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Order details could not be loaded" in html
    assert "The host answered HTTP 500." in html
    assert f'hx-get="{cards_url(conversation)}?refresh=1"' in html


def test_the_note_is_in_the_agents_language(host):
    host.body = b"not json"
    conversation = verified_conversation(widget=shop(host))
    agent = factories.supervisor()
    AgentProfile.objects.filter(pk=agent.pk).update(language="tr")
    html = logged_in(agent).get(cards_url(conversation)).content.decode()
    assert "Sipariş ayrıntıları yüklenemedi" in html
    assert "Yanıt geçerli bir JSON değil." in html


def test_nothing_is_asked_for_an_unverified_contact_or_a_widget_without_url(host):
    widget = shop(host)
    anonymous, _token = factories.visitor(widget_obj=widget)
    plain = verified_conversation(widget=factories.widget())
    client = logged_in(factories.supervisor())
    for conversation in (factories.conversation(contact=anonymous), plain):
        assert b"context-cards" not in client.get(page_url(conversation)).content
        response = client.get(cards_url(conversation))
        assert response.status_code == 200 and response.content == b""
    assert host.requests == []


def test_an_agent_who_may_not_see_the_conversation_gets_nothing(host):
    team, other = factories.team(), factories.team()
    factories.topic(slug="orders", team=team)
    contact, _token = factories.visitor(widget_obj=shop(host), external_id="user-42")
    conversation = factories.conversation(contact=contact, topic_slug="orders")
    outsider = factories.agent(teams=[other])
    response = logged_in(outsider).get(cards_url(conversation))
    assert response.status_code == 404
    assert Client().get(cards_url(conversation)).status_code == 302
    assert host.requests == []


def test_the_context_url_is_https_unless_private_addresses_are_allowed(settings):
    from django.core.exceptions import ValidationError

    from support.context_url import context_url_validate

    settings.DESTEK = {**settings.DESTEK, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": False}
    context_url_validate("https://shop.example.com/destek/context")
    for bad in (
        "http://shop.example.com/destek/context",
        "ftp://shop.example.com/x",
        "https:///nohost",
        "https://user:pw@shop.example.com/x",
    ):
        with pytest.raises(ValidationError):
            context_url_validate(bad)
    settings.DESTEK = {**settings.DESTEK, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": True}
    context_url_validate("http://127.0.0.1:8000/demo/context-cards")


def test_a_supervisor_sets_the_context_url_in_the_admin(settings):
    settings.DESTEK = {**settings.DESTEK, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": False}
    widget = factories.widget()
    admin_user = factories.supervisor().user
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client = Client()
    client.force_login(admin_user)
    url = reverse("admin:support_widget_change", args=[widget.pk])
    form = client.get(url)
    assert 'name="context_url"' in form.content.decode()
    data = {
        "key": widget.key,
        "name": widget.name,
        "secret": widget.secret,
        "allowed_origins": "[]",
        "is_active": "on",
        "launcher_position": "right",
        "launcher_color": "#4338ca",
        "context_url": "http://shop.example.com/destek",
        # The pre-chat questions' inline, left empty.
        "prechat_fields-TOTAL_FORMS": "0",
        "prechat_fields-INITIAL_FORMS": "0",
    }
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "must start with https://" in refused.content.decode()
    saved = client.post(url, {**data, "context_url": "https://shop.example.com/destek"})
    assert saved.status_code == 302
    widget.refresh_from_db()
    assert widget.context_url == "https://shop.example.com/destek"
