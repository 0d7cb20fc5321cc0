"""A widget that requires a verified identity refuses anonymous visitors on every endpoint
(read from the URL conf, so new ones are covered) and on the socket, not only at session start."""

import re

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from support.models import Widget, generate_widget_secret
from tests import factories, sockets

from .world import build_world, route_url, site_routes

pytestmark = pytest.mark.django_db

SESSION = "/api/widget/v1/session"
PROBE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def widget_api_routes() -> dict[str, str]:
    return {
        name: route
        for name, route in site_routes().items()
        if name.startswith("widget_api:") and name != "widget_api:session"
    }


def anonymous_world():
    """build_world's helpdesk, plus an anonymous visitor who owns visitor A's conversation."""
    world = build_world()
    contact, token = factories.visitor(widget_obj=world.widget)
    world.conversation.contact = contact
    world.conversation.save(update_fields=["contact"])
    world.widget.require_verified_identity = True
    world.widget.save(update_fields=["require_verified_identity"])
    return world, token


def test_there_are_widget_endpoints_to_check():
    assert len(widget_api_routes()) >= 8


def probe(client, method: str, url: str, token: str):
    return client.generic(
        method, url, b"{}", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


@pytest.mark.parametrize("name", sorted(widget_api_routes()))
def test_every_widget_endpoint_refuses_an_anonymous_visitor(client, name):
    world, token = anonymous_world()
    url = route_url(widget_api_routes()[name], world.params(name))
    answered = 0
    for method in PROBE_METHODS:
        response = probe(client, method, url, token)
        if response.status_code == 405:
            continue
        answered += 1
        assert response.status_code == 403, (method, url, response.content)
        assert response.json()["error"]["code"] == "identity_required"
    assert answered


@pytest.mark.parametrize("name", sorted(widget_api_routes()))
def test_every_widget_endpoint_still_serves_a_verified_visitor(client, name):
    world, _anonymous_token = anonymous_world()
    url = route_url(widget_api_routes()[name], world.params(name))
    token = world.tokens["visitor_b"]  # identified, on the same widget
    for method in PROBE_METHODS:
        response = probe(client, method, url, token)
        assert response.status_code not in (401, 403), (method, url, response.content)


def test_a_session_without_identity_is_refused(client):
    widget = factories.widget(key="strict")
    Widget.objects.filter(pk=widget.pk).update(require_verified_identity=True)

    anonymous = client.post(SESSION, {"widget_key": "strict"}, content_type="application/json")
    verified = client.post(
        SESSION,
        {
            "widget_key": "strict",
            "identity": factories.identity(widget_obj=widget, external_id="7"),
        },
        content_type="application/json",
    )

    assert anonymous.status_code == 403
    assert anonymous.json()["error"]["code"] == "identity_required"
    assert verified.status_code == 200
    assert verified.json()["contact"]["identified"] is True


def test_an_anonymous_token_cannot_resume_once_the_widget_requires_identity(client):
    widget = factories.widget(key="strict")
    _contact, token = factories.visitor(widget_obj=widget)
    Widget.objects.filter(pk=widget.pk).update(require_verified_identity=True)

    response = client.post(
        SESSION, {"widget_key": "strict", "visitor_token": token}, content_type="application/json"
    )

    assert response.status_code == 403


# --- The socket -----------------------------------------------------------------------


async def authenticated_widget_socket(token: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(sockets.application, "/ws/widget/")
    await communicator.connect()
    await communicator.send_json_to({"type": "auth", "visitor_token": token})
    assert (await communicator.receive_json_from(timeout=5))["type"] == "auth.ok"
    return communicator


@pytest.mark.django_db(transaction=True)
async def test_the_socket_refuses_an_anonymous_visitor(
    in_memory_layer, consumer_connections_closed
):
    widget = await sync_to_async(factories.widget)()
    _contact, token = await sync_to_async(factories.visitor)(widget_obj=widget)
    await Widget.objects.filter(pk=widget.pk).aupdate(require_verified_identity=True)

    communicator = WebsocketCommunicator(sockets.application, "/ws/widget/")
    await communicator.connect()
    await communicator.send_json_to({"type": "auth", "visitor_token": token})

    assert (await communicator.receive_output(timeout=5)) == {
        "type": "websocket.close",
        "code": 4403,
    }


@pytest.mark.django_db(transaction=True)
async def test_an_open_socket_is_closed_once_its_token_is_revoked(
    in_memory_layer, consumer_connections_closed
):
    from support import services

    contact, token = await sync_to_async(factories.visitor)()
    conversation = await sync_to_async(factories.conversation)(contact=contact)
    communicator = await authenticated_widget_socket(token)

    await sync_to_async(services.visitor_session_revoke)(contact=contact)
    await communicator.send_json_to({"type": "subscribe", "conversation": conversation.pk})

    assert (await communicator.receive_output(timeout=5)) == {
        "type": "websocket.close",
        "code": 4401,
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("change", "code"), [("require_identity", 4403), ("revoke", 4401), ("widget_off", 4401)]
)
async def test_a_message_from_a_socket_whose_token_no_longer_holds_is_not_stored(
    in_memory_layer, consumer_connections_closed, change, code
):
    """message.send checks the token against the rows its write locks: a widget that now
    requires a verified identity closes an anonymous visitor's open socket (4403), a revoked
    token or a switched-off widget closes it (4401), and the message is not stored."""
    from support import services

    widget = await sync_to_async(factories.widget)()
    contact, token = await sync_to_async(factories.visitor)(widget_obj=widget)
    conversation = await sync_to_async(factories.conversation)(contact=contact)
    communicator = await authenticated_widget_socket(token)
    await communicator.send_json_to(
        {"type": "message.send", "conversation": conversation.pk, "client_id": "a", "body": "hi"}
    )
    assert (await communicator.receive_json_from(timeout=5))["type"] == "message.new"

    if change == "require_identity":
        await Widget.objects.filter(pk=widget.pk).aupdate(require_verified_identity=True)
    elif change == "revoke":
        await sync_to_async(services.visitor_session_revoke)(contact=contact)
    else:
        await Widget.objects.filter(pk=widget.pk).aupdate(is_active=False)
    await communicator.send_json_to(
        {"type": "message.send", "conversation": conversation.pk, "client_id": "b", "body": "hi"}
    )

    assert (await communicator.receive_output(timeout=5)) == {
        "type": "websocket.close",
        "code": code,
    }
    assert await conversation.messages.filter(client_id="b").acount() == 0


@pytest.mark.parametrize("demo", [True, False], ids=["demo-on", "demo-off"])
@pytest.mark.parametrize("page", ["/demo/", "/demo/app/"])
def test_the_demo_pages_never_sign_an_identity_for_a_real_widget(client, settings, page, demo):
    """The demo signs its pretend user with the demo widget's public secret: asked for a
    production widget (random secret, verified identity required), it must hand out nothing
    that opens a session there."""
    settings.DESTEK = {**settings.DESTEK, "DEMO": demo}
    factories.widget(key="demo", secret="demo-secret")
    Widget.objects.create(
        key="prod",
        name="Production",
        secret=generate_widget_secret(),
        require_verified_identity=True,
    )

    html = client.get(f"{page}?key=prod").content.decode()

    for signed in set(re.findall(r"\b[0-9a-f]{64}\b", html)) or {""}:
        response = client.post(
            SESSION,
            {"widget_key": "prod", "identity": {"external_id": "demo-user-42", "hash": signed}},
            content_type="application/json",
        )
        assert response.status_code == 403, response.content
        assert response.json()["error"]["code"] in ("identity_invalid", "identity_required")
