"""The console socket carries the agent's session cookie: a page elsewhere must not open it.

SameSite=Lax does not stop a sibling subdomain (same site, other origin), and no cookie rule
stops a page on another site from asking; only the Origin check does.
"""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from chat import consumers
from config import routing
from config.routing import websocket_application as application
from tests import factories, sockets

pytestmark = sockets.SOCKET_TESTS


@pytest.fixture
def agent_cookie(db, settings):
    settings.ALLOWED_HOSTS = ["support.example"]
    settings.CSRF_TRUSTED_ORIGINS = ["https://console.example", "https://*.agents.example"]
    client = Client()
    client.force_login(factories.agent().user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def open_console(cookie: str, *, origin: str | None, host="support.example", scheme="wss"):
    headers = [(b"cookie", cookie.encode()), (b"host", host.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    communicator = WebsocketCommunicator(application, "/ws/console/", headers=headers)
    communicator.scope["scheme"] = scheme
    connected, code = await communicator.connect(timeout=5)
    if connected:
        await communicator.send_json_to({"type": "ping"})
        assert "pong" in await communicator.receive_from(timeout=5)
        await communicator.disconnect()
        return "open"
    return code


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "https://evil.support.example",  # a sibling subdomain: SameSite=Lax lets its cookie by
        "http://support.example",  # the site's host, but not how this socket was reached
        "https://support.example.evil.example",
        "null",
        "https://other.example",  # a host the server never serves, even if asked for it
    ],
)
async def test_a_page_of_another_origin_cannot_open_an_agents_console_socket(agent_cookie, origin):
    host = "other.example" if origin == "https://other.example" else "support.example"
    assert await open_console(agent_cookie, origin=origin, host=host) == consumers.CLOSE_FORBIDDEN


@pytest.mark.parametrize(
    ("origin", "scheme"),
    [
        ("https://support.example", "wss"),  # the console's own page
        ("http://support.example", "ws"),  # plain HTTP (make run)
        ("https://console.example", "wss"),  # listed in CSRF_TRUSTED_ORIGINS
        ("https://eu.agents.example", "wss"),  # a wildcard entry of CSRF_TRUSTED_ORIGINS
        (None, "wss"),  # not a browser: no page can lend it the cookie
    ],
)
async def test_the_sites_own_origins_open_the_console_socket(agent_cookie, origin, scheme):
    assert await open_console(agent_cookie, origin=origin, scheme=scheme) == "open"


@pytest.mark.parametrize("cookie", ["", "sessionid=forged", "csrftoken=x"])
async def test_a_console_socket_without_a_valid_session_cookie_is_refused(db, settings, cookie):
    settings.ALLOWED_HOSTS = ["support.example"]
    cookie = cookie.replace("sessionid", settings.SESSION_COOKIE_NAME)
    assert await open_console(cookie, origin=None) == consumers.CLOSE_FORBIDDEN


async def test_the_widget_socket_opens_without_the_session_layers(agent_cookie):
    """Visitors authenticate with their first frame: the server's widget route is the bare
    consumer (no cookie, session or user layer keeping a copy of the scope per socket), and a
    browser's cookies change nothing."""
    assert application.routes[0].callback is routing.visitor_socket
    _contact, token = await sync_to_async(factories.visitor)()
    headers = [(b"cookie", agent_cookie.encode()), (b"host", b"support.example")]
    communicator = WebsocketCommunicator(application, "/ws/widget/", headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    await communicator.send_json_to({"type": "auth", "visitor_token": token})
    assert (await communicator.receive_json_from(timeout=5))["type"] == "auth.ok"
    await communicator.disconnect()
