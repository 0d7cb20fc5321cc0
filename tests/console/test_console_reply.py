"""An agent's reply over the console socket (`message.send`): the same rules as the reply
POST (access, validation, idempotency by client_id), and a sign-in that ended elsewhere stops
the socket's replies and closes it."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

# As the server runs it: the session cookie signs the console socket in.
from config.routing import websocket_application as application
from console import consumers
from support.models import Message
from tests import factories, sockets
from tests.chat.test_attachments_live import upload

pytestmark = sockets.SOCKET_TESTS


def signed_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


async def console_for(client: Client) -> WebsocketCommunicator:
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    communicator = WebsocketCommunicator(
        application, "/ws/console/", headers=[(b"cookie", cookie.encode())]
    )
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def json_frame(communicator, *, timeout=5.0) -> dict:
    """The next JSON frame; the HTML fragments before it are skipped."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        text = await communicator.receive_from(timeout=deadline - asyncio.get_running_loop().time())
        if text.startswith("{"):
            return json.loads(text)


def reply(conversation_id, client_id: str, body: str = "", **extra) -> dict:
    return {
        "type": "message.send",
        "conversation": conversation_id,
        "client_id": client_id,
        "body": body,
        **extra,
    }


@pytest.fixture
def chat(db):
    contact, token = factories.visitor()
    conversation = factories.conversation(contact=contact, body="Bill will not close")
    agent = factories.agent(display_name="Ayşe")
    return conversation, agent.user, token


async def test_a_reply_over_the_socket_is_stored_once_answered_and_reaches_the_visitor(chat):
    conversation, user, token = chat
    client = await sync_to_async(signed_in_client)(user)
    console = await console_for(client)
    visitor = WebsocketCommunicator(application, "/ws/widget/")
    await visitor.connect()
    await visitor.send_json_to({"type": "auth", "visitor_token": token})
    assert (await visitor.receive_json_from(timeout=5))["type"] == "auth.ok"
    await visitor.send_json_to({"type": "subscribe", "conversation": conversation.pk, "after": 0})

    frame = reply(conversation.pk, "a-1", "Looking at it now")
    await console.send_json_to(frame)
    assert await json_frame(console) == {"type": "message.sent", "client_id": "a-1"}
    while True:
        got = await visitor.receive_json_from(timeout=5)
        if got["type"] == "message.new" and got["message"]["client_id"] == "a-1":
            break
    assert got["message"]["body"] == "Looking at it now"
    assert got["message"]["sender"]["name"] == "Ayşe"

    # The page's HTTP fallback or a resend: the same client_id is answered, not stored again.
    await console.send_json_to(frame)
    assert await json_frame(console) == {"type": "message.sent", "client_id": "a-1"}
    stored = await sync_to_async(list)(
        Message.objects.filter(conversation=conversation, client_id="a-1").values_list(
            "sender_type", "sender_agent_id", "body"
        )
    )
    assert stored == [("agent", user.pk, "Looking at it now")]
    await visitor.disconnect()
    await console.disconnect()


async def frames_until(communicator, needle: str, *, timeout=5.0) -> list[str]:
    """Every frame up to the one containing `needle`, then those of a quiet moment after."""
    deadline = asyncio.get_running_loop().time() + timeout
    frames = []
    while not frames or needle not in frames[-1]:
        frames.append(
            await communicator.receive_from(timeout=deadline - asyncio.get_running_loop().time())
        )
    return frames + await sockets.drain(communicator)


async def watching(client: Client, conversation) -> WebsocketCommunicator:
    console = await console_for(client)
    await console.send_json_to({"type": "watch", "conversation": conversation.pk, "after": 0})
    await sockets.receive_html_until(console, "will not close")
    await sockets.drain(console)
    return console


async def test_a_reply_on_the_socket_watching_its_conversation_is_answered_by_its_fragment(chat):
    """The fragment, which carries the reply's client id, is the answer (console.js): no
    `message.sent` beside it. A retried client id stores nothing and publishes no fragment:
    that one is answered `message.sent`."""
    conversation, user, _token = chat
    client = await sync_to_async(signed_in_client)(user)
    console = await watching(client, conversation)

    frame = reply(conversation.pk, "a-w1", "Looking at it now")
    await console.send_json_to(frame)
    frames = await frames_until(console, 'data-client-id="a-w1"')
    assert "Looking at it now" in "".join(frames)
    assert [f for f in frames if f.startswith("{")] == []

    await console.send_json_to(frame)
    assert await json_frame(console) == {"type": "message.sent", "client_id": "a-w1"}
    assert not [f for f in await sockets.drain(console) if 'data-client-id="a-w1"' in f]
    stored = await sync_to_async(Message.objects.filter(client_id="a-w1").count)()
    assert stored == 1
    await console.disconnect()


async def test_a_reply_to_a_conversation_the_socket_does_not_watch_is_answered_message_sent(chat):
    conversation, user, _token = chat
    other = await sync_to_async(factories.conversation)(body="Card will not close either")
    client = await sync_to_async(signed_in_client)(user)
    console = await watching(client, other)

    await console.send_json_to(reply(conversation.pk, "a-u1", "Elsewhere"))
    assert await json_frame(console) == {"type": "message.sent", "client_id": "a-u1"}
    await console.disconnect()


@pytest.mark.parametrize(
    "change, code",
    [
        ({"body": "   "}, "empty_message"),
        ({"body": "x" * 5000}, "body_too_long"),
        ({"body": ["not", "text"]}, "invalid_body"),
        ({"conversation": "nope"}, "not_found"),
        ({"conversation": 10**9}, "not_found"),
        ({"attachments": [10**9]}, None),
    ],
)
async def test_bad_replies_are_answered_with_an_error_for_the_composer(chat, change, code):
    conversation, user, _token = chat
    client = await sync_to_async(signed_in_client)(user)
    console = await console_for(client)
    await console.send_json_to({**reply(conversation.pk, "a-2", "Hello"), **change})
    error = await json_frame(console)
    assert error["type"] == "error"
    assert error["client_id"] == "a-2"
    assert error["detail"]
    if code:
        assert error["code"] == code
    count = await sync_to_async(Message.objects.filter(client_id="a-2").count)()
    assert count == 0
    await console.disconnect()


async def test_an_agent_outside_the_team_cannot_reply_over_the_socket(db):
    team, other_team = await sync_to_async(factories.team)(), await sync_to_async(factories.team)()
    await sync_to_async(factories.topic)(slug="payment", team=other_team)
    contact, _token = await sync_to_async(factories.visitor)()
    conversation = await sync_to_async(factories.conversation)(
        contact=contact, topic_slug="payment"
    )
    agent = await sync_to_async(factories.agent)(teams=[team])
    client = await sync_to_async(signed_in_client)(await sync_to_async(lambda: agent.user)())
    console = await console_for(client)
    await console.send_json_to(reply(conversation.pk, "a-3", "Not mine"))
    error = await json_frame(console)
    assert (error["type"], error["code"], error["client_id"]) == ("error", "not_found", "a-3")
    assert not await sync_to_async(Message.objects.filter(client_id="a-3").exists)()
    await console.disconnect()


def _sign_out(client, user):
    client.post("/console/logout/")


def _deactivate(client, user):
    user.is_active = False
    user.save(update_fields=["is_active"])


def _password_changed_elsewhere(client, user):
    user.set_password("a-new-password-123")
    user.save(update_fields=["password"])


@pytest.mark.parametrize("end", [_sign_out, _deactivate, _password_changed_elsewhere])
async def test_a_sign_in_ended_elsewhere_stops_replies_and_closes_the_socket(
    chat, monkeypatch, end
):
    conversation, user, _token = chat
    client = await sync_to_async(signed_in_client)(user)
    console = await console_for(client)
    await sync_to_async(end)(client, user)
    # Re-checked at every write from now on, not only after the usual few seconds.
    monkeypatch.setattr(consumers, "SESSION_RECHECK_SECONDS", 0)
    await console.send_json_to(reply(conversation.pk, "a-4", "After sign-out"))
    assert await closed_with(console) == consumers.CLOSE_FORBIDDEN
    assert not await sync_to_async(Message.objects.filter(client_id="a-4").exists)()


async def test_a_ping_closes_a_console_whose_sign_in_ended(chat, monkeypatch):
    _conversation, user, _token = chat
    client = await sync_to_async(signed_in_client)(user)
    console = await console_for(client)
    await console.send_json_to({"type": "ping"})
    assert "pong" in await console.receive_from(timeout=5)
    await sync_to_async(_sign_out)(client, user)
    monkeypatch.setattr(consumers, "SESSION_RECHECK_SECONDS", 0)
    await console.send_json_to({"type": "ping"})
    assert await closed_with(console) == consumers.CLOSE_FORBIDDEN


async def test_a_valid_sign_in_is_rechecked_and_keeps_replying(chat, monkeypatch):
    conversation, user, _token = chat
    client = await sync_to_async(signed_in_client)(user)
    console = await console_for(client)
    monkeypatch.setattr(consumers, "SESSION_RECHECK_SECONDS", 0)
    for n in range(2):
        await console.send_json_to(reply(conversation.pk, f"a-5-{n}", f"Reply {n}"))
        assert await json_frame(console) == {"type": "message.sent", "client_id": f"a-5-{n}"}
    await console.disconnect()


async def test_a_reply_over_the_socket_carries_the_agents_uploaded_files(chat, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    conversation, user, _token = chat
    attachment = await sync_to_async(upload)(conversation, uploader_type="agent", agent=user)
    client = await sync_to_async(signed_in_client)(user)
    console = await console_for(client)
    await console.send_json_to(reply(conversation.pk, "a-6", "", attachments=[attachment.pk]))
    assert await json_frame(console) == {"type": "message.sent", "client_id": "a-6"}
    message = await sync_to_async(Message.objects.get)(client_id="a-6")
    files = await sync_to_async(list)(message.attachments.values_list("pk", flat=True))
    assert files == [attachment.pk]
    await console.disconnect()


async def closed_with(communicator) -> int:
    output = await communicator.receive_output(timeout=5)
    while output["type"] != "websocket.close":
        output = await communicator.receive_output(timeout=5)
    return output["code"]


async def test_signing_out_closes_that_sessions_consoles_at_once(chat):
    _conversation, user, _token = chat
    client = await sync_to_async(signed_in_client)(user)
    other_device = await sync_to_async(signed_in_client)(user)
    console = await console_for(client)
    second_tab = await console_for(client)
    elsewhere = await console_for(other_device)
    await sync_to_async(_sign_out)(client, user)
    assert await closed_with(console) == consumers.CLOSE_FORBIDDEN
    assert await closed_with(second_tab) == consumers.CLOSE_FORBIDDEN
    # The same agent signed in on another device keeps working.
    await elsewhere.send_json_to({"type": "ping"})
    assert "pong" in await elsewhere.receive_from(timeout=5)
    await elsewhere.disconnect()


async def test_deactivating_an_agent_closes_all_their_consoles_at_once(chat):
    _conversation, user, _token = chat
    console = await console_for(await sync_to_async(signed_in_client)(user))
    other_device = await console_for(await sync_to_async(signed_in_client)(user))
    await sync_to_async(_deactivate)(None, user)
    assert await closed_with(console) == consumers.CLOSE_FORBIDDEN
    assert await closed_with(other_device) == consumers.CLOSE_FORBIDDEN
