"""Sockets for the tests, as the widget and the console open them, over the project's
websocket routes (config.routing), and reading their frames with a deadline."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from config.routing import websocket_urlpatterns
from tests import factories

application = URLRouter(websocket_urlpatterns)

# A socket test module's marks (`pytestmark = sockets.SOCKET_TESTS`): the consumers use the
# database from their own thread, which sees only committed rows (so transaction=True), and
# that thread's connection is closed after each test (root conftest).
SOCKET_TESTS = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("consumer_connections_closed"),
]


async def visitor_socket(token: str | None, *, headers=None) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/widget/", headers=headers or [])
    connected, _ = await communicator.connect()
    assert connected
    if token is not None:
        await communicator.send_json_to({"type": "auth", "visitor_token": token})
        ok = await communicator.receive_json_from(timeout=5)
        assert ok["type"] == "auth.ok"
    return communicator


# What the inbox page's socket says first: the inbox it shows (console.js sendInbox).
EVERY_ACTIVE = {"type": "inbox", "view": "all", "status": "active"}


async def console_socket(user, *, inbox: dict | None = EVERY_ACTIVE) -> WebsocketCommunicator:
    """A console socket as a page opens it; `inbox=None` for a page without the inbox list."""
    communicator = WebsocketCommunicator(application, "/ws/console/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    if inbox is not None:
        await communicator.send_json_to(inbox)
    return communicator


async def receive_until(communicator, predicate, *, timeout=5.0):
    """Frames until one matches; fails if none does in time."""
    deadline = asyncio.get_running_loop().time() + timeout
    seen = []
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise AssertionError(f"no matching frame; saw {seen}")
        frame = await communicator.receive_json_from(timeout=remaining)
        seen.append(frame)
        if predicate(frame):
            return frame


async def receive_html_until(communicator, needle: str, *, timeout=5.0) -> str:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise AssertionError(f"no fragment containing {needle!r}")
        html = await communicator.receive_from(timeout=remaining)
        if needle in html:
            return html


def make_visitor_with_conversation(body="Bill will not close"):
    contact, token = factories.visitor()
    conversation = factories.conversation(contact=contact, body=body)
    return contact, token, conversation


async def agent_user(**agent_kwargs):
    """A new agent's user (factories.agent's arguments), as a console socket's scope wants it."""
    agent = await sync_to_async(factories.agent)(**agent_kwargs)
    return await sync_to_async(lambda: agent.user)()


async def agent_and_visitor_watching():
    """A visitor's conversation (make_visitor_with_conversation) open in agent Ayşe's console
    and subscribed to on the visitor's socket: (conversation, agent's user, console, visitor)."""
    _contact, token, conversation = await sync_to_async(make_visitor_with_conversation)()
    user = await agent_user(display_name="Ayşe")
    console = await console_socket(user)
    await console.send_json_to({"type": "watch", "conversation": conversation.pk, "after": 0})
    await receive_html_until(console, "Bill will not close")  # its first message
    visitor = await visitor_socket(token)
    await visitor.send_json_to({"type": "subscribe", "conversation": conversation.pk, "after": 0})
    await receive_until(visitor, lambda f: f["type"] == "subscribed")
    return conversation, user, console, visitor


async def drain(communicator, *, quiet=0.3) -> list[str]:
    """Every frame until the socket has been quiet for a moment (the socket stays usable)."""
    frames = []
    while not await communicator.receive_nothing(timeout=quiet):
        frames.append(await communicator.receive_from(timeout=1))
    return frames
