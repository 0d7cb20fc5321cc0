"""The websocket consumers over a real channel layer: in-memory, and both Redis layers on CI."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from chat import realtime as chat_realtime
from support import services as support_services
from support.models import Message
from tests import factories, sockets

pytestmark = sockets.SOCKET_TESTS


async def test_bad_token_closes_with_4401(channel_layer_kind):
    communicator = WebsocketCommunicator(sockets.application, "/ws/widget/")
    await communicator.connect()
    await communicator.send_json_to({"type": "auth", "visitor_token": "forged"})
    closed = await communicator.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4401}


async def test_first_frame_must_be_auth(channel_layer_kind):
    _contact, _token, conversation = await sync_to_async(sockets.make_visitor_with_conversation)()
    communicator = WebsocketCommunicator(sockets.application, "/ws/widget/")
    await communicator.connect()
    await communicator.send_json_to({"type": "subscribe", "conversation": conversation.pk})
    closed = await communicator.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4401}


async def test_revoked_token_is_refused(channel_layer_kind):
    contact, token = await sync_to_async(factories.visitor)()
    await sync_to_async(support_services.visitor_session_revoke)(contact=contact)
    communicator = WebsocketCommunicator(sockets.application, "/ws/widget/")
    await communicator.connect()
    await communicator.send_json_to({"type": "auth", "visitor_token": token})
    closed = await communicator.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4401}


async def test_resume_after_gap_returns_exactly_the_missed_messages_in_order(channel_layer_kind):
    _contact, token, conversation = await sync_to_async(sockets.make_visitor_with_conversation)()
    agent = await sync_to_async(factories.agent)()
    first = await sync_to_async(Message.objects.get)(conversation=conversation)
    missed = []
    for n in range(5):
        message = await sync_to_async(factories.message)(
            conversation=conversation, sender_type="agent", body=f"reply {n}", agent_user=agent.user
        )
        missed.append(message.pk)

    socket = await sockets.visitor_socket(token)
    await socket.send_json_to(
        {"type": "subscribe", "conversation": conversation.pk, "after": first.pk}
    )
    received = []
    while True:
        frame = await socket.receive_json_from(timeout=5)
        if frame["type"] == "subscribed":
            break
        assert frame["type"] == "message.new"
        received.append(frame["message"]["id"])
    assert received == missed
    assert frame == {"type": "subscribed", "conversation": conversation.pk, "has_more": False}
    updated = await socket.receive_json_from(timeout=5)
    assert updated["type"] == "conversation.updated"
    assert updated["conversation"]["agent_last_read"] == missed[-1]
    await socket.disconnect()


async def test_duplicate_client_id_gives_one_message(channel_layer_kind):
    _contact, token, conversation = await sync_to_async(sockets.make_visitor_with_conversation)()
    socket = await sockets.visitor_socket(token)
    frame = {
        "type": "message.send",
        "conversation": conversation.pk,
        "client_id": "c0ffee",
        "body": "Payment failed twice",
    }

    # The conversation's first message may still be on its way live (events are published
    # after the database thread returns): clients dedupe by id, the test picks by client_id.
    def ours(f):
        return f["type"] == "message.new" and f["message"]["client_id"] == "c0ffee"

    await socket.send_json_to(frame)
    ack = await sockets.receive_until(socket, ours)
    await socket.send_json_to(frame)
    again = await sockets.receive_until(socket, ours)
    assert ack["message"]["client_id"] == again["message"]["client_id"] == "c0ffee"
    assert ack["message"]["id"] == again["message"]["id"]
    count = await sync_to_async(
        Message.objects.filter(conversation=conversation, client_id="c0ffee").count
    )()
    assert count == 1
    await socket.disconnect()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "bad_frame"),
        ("[1, 2]", "bad_frame"),
        ('{"no": "type"}', "bad_frame"),
        ('{"type": 5}', "bad_frame"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"type": "subscribe", "conversation": "x"}', "invalid_input"),
        ('{"type": "subscribe", "conversation": 1, "after": -4}', "not_found"),
        ('{"type": "message.send", "conversation": true, "body": "x"}', "invalid_input"),
        ('{"type": "read", "conversation": null, "up_to": 1}', "invalid_input"),
        ('{"type": "auth", "visitor_token": "again"}', "already_authenticated"),
    ],
)
async def test_malformed_frames_get_error_frames_and_the_socket_stays_open(
    in_memory_layer, raw, code
):
    _contact, token, _conversation = await sync_to_async(sockets.make_visitor_with_conversation)()
    socket = await sockets.visitor_socket(token)
    await socket.send_to(text_data=raw)
    error = await socket.receive_json_from(timeout=5)
    assert error["type"] == "error"
    assert error["code"] == code
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=5) == {"type": "pong"}
    await socket.disconnect()


async def test_message_errors_carry_the_client_id(in_memory_layer, settings):
    _contact, token, conversation = await sync_to_async(sockets.make_visitor_with_conversation)()
    socket = await sockets.visitor_socket(token)
    await socket.send_json_to(
        {
            "type": "message.send",
            "conversation": conversation.pk,
            "client_id": "too-long",
            "body": "x" * (settings.DESTEK["MESSAGE_MAX_CHARS"] + 1),
        }
    )
    error = await socket.receive_json_from(timeout=5)
    assert error == {
        "type": "error",
        "code": "body_too_long",
        "detail": error["detail"],
        "client_id": "too-long",
    }
    assert not await sync_to_async(Message.objects.filter(client_id="too-long").exists)()
    await socket.disconnect()


async def test_visitor_cannot_subscribe_or_write_to_another_visitors_conversation(
    channel_layer_kind,
):
    _a, token_a, _conv_a = await sync_to_async(sockets.make_visitor_with_conversation)(
        "A's problem"
    )
    _b, _token_b, conv_b = await sync_to_async(sockets.make_visitor_with_conversation)("B's secret")
    socket = await sockets.visitor_socket(token_a)
    for frame in (
        {"type": "subscribe", "conversation": conv_b.pk, "after": 0},
        {"type": "message.send", "conversation": conv_b.pk, "client_id": "x", "body": "hi"},
        {"type": "typing", "conversation": conv_b.pk, "state": True},
        {"type": "read", "conversation": conv_b.pk, "up_to": 1},
    ):
        await socket.send_json_to(frame)
        error = await socket.receive_json_from(timeout=5)
        assert error["type"] == "error"
        assert error["code"] == "not_found"
    assert await socket.receive_nothing(timeout=0.3)
    assert await sync_to_async(conv_b.messages.count)() == 1
    await socket.disconnect()


async def test_live_message_reaches_the_agent_console_and_the_reply_reaches_the_visitor(
    channel_layer_kind,
):
    conversation, user, console, visitor = await sockets.agent_and_visitor_watching()

    await visitor.send_json_to(
        {
            "type": "message.send",
            "conversation": conversation.pk,
            "client_id": "v-1",
            "body": "<b>QR menu</b> will not open",
        }
    )
    ack = await sockets.receive_until(visitor, lambda f: f["type"] == "message.new")
    assert ack["message"]["client_id"] == "v-1"
    # The inbox row (its preview says "QR menu" too) may come first: the groups' events are
    # not ordered against each other.
    html = await sockets.receive_html_until(console, 'hx-swap-oob="beforeend:#message-list"')
    assert "&lt;b&gt;QR menu&lt;/b&gt;" in html  # escaped in the console

    await visitor.send_json_to({"type": "typing", "conversation": conversation.pk, "state": True})
    typing_html = await sockets.receive_html_until(console, "typing-indicator")
    assert "typing on" in typing_html

    await console.send_json_to({"type": "typing", "conversation": conversation.pk, "state": True})
    typing = await sockets.receive_until(visitor, lambda f: f["type"] == "typing")
    assert typing["sender"]["name"] == "Ayşe"
    assert typing["state"] is True

    await sync_to_async(factories.message)(
        conversation=conversation, sender_type="agent", body="Looking now", agent_user=user
    )
    reply = await sockets.receive_until(
        visitor, lambda f: f["type"] == "message.new" and f["message"]["body"] == "Looking now"
    )
    assert reply["message"]["sender"] == {"type": "agent", "name": "Ayşe", "avatar_url": None}
    await visitor.disconnect()
    await console.disconnect()


async def test_read_receipts_flow_both_ways(channel_layer_kind):
    _contact, token, conversation = await sync_to_async(sockets.make_visitor_with_conversation)()
    user = await sockets.agent_user()
    visitor_message = await sync_to_async(conversation.messages.get)()

    console = await sockets.console_socket(user)
    await console.send_json_to({"type": "watch", "conversation": conversation.pk, "after": 0})
    await sockets.receive_html_until(console, "Bill will not close")
    visitor = await sockets.visitor_socket(token)

    await console.send_json_to(
        {"type": "read", "conversation": conversation.pk, "up_to": visitor_message.pk}
    )
    seen = await sockets.receive_until(visitor, lambda f: f["type"] == "read")
    assert seen == {
        "type": "read",
        "conversation": conversation.pk,
        "reader": "agent",
        "up_to": visitor_message.pk,
    }

    reply = await sync_to_async(factories.message)(
        conversation=conversation, sender_type="agent", body="Fixed?", agent_user=user
    )
    await visitor.send_json_to({"type": "read", "conversation": conversation.pk, "up_to": reply.pk})
    html = await sockets.receive_html_until(console, "visitor-read-mark")
    assert f'data-up-to="{reply.pk}"' in html
    await visitor.disconnect()
    await console.disconnect()


async def test_a_visitor_read_mark_reaches_their_other_sockets_not_the_one_that_sent_it(
    channel_layer_kind,
):
    """The group event tells the visitor's other tabs and devices; the sending socket knows
    its own mark, and getting it back cost a frame for every message the visitor reads."""
    _contact, token, conversation = await sync_to_async(sockets.make_visitor_with_conversation)()
    user = await sockets.agent_user()
    reply = await sync_to_async(factories.message)(
        conversation=conversation, sender_type="agent", body="Fixed?", agent_user=user
    )
    reading, other = await sockets.visitor_socket(token), await sockets.visitor_socket(token)
    for socket in (reading, other):  # each socket follows the conversation
        await socket.send_json_to({"type": "subscribe", "conversation": conversation.pk})
        await sockets.receive_until(socket, lambda f: f["type"] == "subscribed")

    await reading.send_json_to({"type": "read", "conversation": conversation.pk, "up_to": reply.pk})

    mark = await sockets.receive_until(other, lambda f: f["type"] == "read")
    assert mark == {
        "type": "read",
        "conversation": conversation.pk,
        "reader": "visitor",
        "up_to": reply.pk,
    }
    await asyncio.sleep(0.2)  # the same event to the sending socket would be here by now
    await reading.send_json_to({"type": "ping"})
    frames = []
    while not frames or frames[-1]["type"] != "pong":
        frames.append(await reading.receive_json_from(timeout=5))
    assert [f for f in frames if f["type"] == "read"] == []
    await reading.disconnect()
    await other.disconnect()


async def test_the_visitor_is_sent_only_the_read_marks_its_messages_do_not_say(
    channel_layer_kind,
):
    """An agent's message says the agent read up to it (the widget shows "Seen" from it): no
    `read` frame comes with it, nor for an agent mark it already implies; the agent's read of
    the visitor's message comes, and the visitor's own mark does not come back."""
    conversation, _user, console, visitor = await sockets.agent_and_visitor_watching()
    question = await sync_to_async(conversation.messages.get)()
    await sockets.drain(console)
    frames = [json.loads(f) for f in await sockets.drain(visitor)]

    await console.send_json_to(
        {"type": "read", "conversation": conversation.pk, "up_to": question.pk}
    )
    frames.append(await visitor.receive_json_from(timeout=5))
    reply = {"type": "message.send", "conversation": conversation.pk, "client_id": "a-1"}
    await console.send_json_to({**reply, "body": "On it"})
    answer = await sockets.receive_until(visitor, lambda f: f["type"] == "message.new")
    frames.append(answer)
    await visitor.send_json_to(
        {"type": "read", "conversation": conversation.pk, "up_to": answer["message"]["id"]}
    )
    await sockets.receive_html_until(console, "visitor-read-mark")
    # A mark the visitor's messages already say (another process's event arriving late).
    await sync_to_async(chat_realtime.read_marked)(
        {
            "conversation_id": conversation.pk,
            "contact_id": conversation.contact_id,
            "reader": "agent",
            "up_to": answer["message"]["id"],
        }
    )
    await visitor.send_json_to({"type": "ping"})
    while frames[-1]["type"] != "pong":
        frames.append(await visitor.receive_json_from(timeout=5))

    reads = [f for f in frames if f["type"] == "read"]
    assert reads == [
        {"type": "read", "conversation": conversation.pk, "reader": "agent", "up_to": question.pk}
    ]
    assert [f["type"] for f in frames if f["type"] != "conversation.updated"] == [
        "read",
        "message.new",
        "pong",
    ]
    await visitor.disconnect()
    await console.disconnect()


async def test_resolve_reaches_the_visitor_as_conversation_updated(channel_layer_kind):
    _contact, token, conversation = await sync_to_async(sockets.make_visitor_with_conversation)()
    user = await sockets.agent_user()
    visitor = await sockets.visitor_socket(token)
    await sync_to_async(support_services.conversation_resolve)(
        conversation=conversation, agent=user
    )
    updated = await sockets.receive_until(visitor, lambda f: f["type"] == "conversation.updated")
    assert updated["conversation"]["status"] == "resolved"
    assert updated["conversation"]["resolved_at"]
    system = await sockets.receive_until(visitor, lambda f: f["type"] == "message.new")
    assert system["message"]["sender"]["type"] == "system"
    await visitor.disconnect()


async def test_console_requires_an_agent(in_memory_layer):
    user = await sync_to_async(
        lambda: (
            __import__("django.contrib.auth", fromlist=["get_user_model"])
            .get_user_model()
            .objects.create_user(username="not-an-agent", password="x-12345-test")
        )
    )()
    communicator = WebsocketCommunicator(sockets.application, "/ws/console/")
    communicator.scope["user"] = user
    connected, code = await communicator.connect()
    assert not connected
    assert code == 4403


async def test_console_cannot_watch_a_conversation_outside_its_teams(in_memory_layer):
    team = await sync_to_async(factories.team)()
    other_team = await sync_to_async(factories.team)()
    await sync_to_async(factories.topic)(slug="payment", team=other_team)
    contact, _token = await sync_to_async(factories.visitor)()
    conversation = await sync_to_async(factories.conversation)(
        contact=contact, topic_slug="payment"
    )
    agent = await sync_to_async(factories.agent)(teams=[team])
    user = await sync_to_async(lambda: agent.user)()
    console = await sockets.console_socket(user)
    await console.send_json_to({"type": "watch", "conversation": conversation.pk, "after": 0})
    html = await console.receive_from(timeout=5)
    assert 'data-code="not_found"' in html
    assert "Hello" not in html
    # And the inbox fragment of that team's traffic never reaches this agent.
    await sync_to_async(factories.message)(conversation=conversation, body="private")
    assert await console.receive_nothing(timeout=0.3)
    await console.disconnect()


async def test_frame_flood_is_rate_limited_then_closed(in_memory_layer, settings):
    settings.DESTEK = {**settings.DESTEK, "SOCKET_FRAMES_PER_WINDOW": 3}
    _contact, token, _conversation = await sync_to_async(sockets.make_visitor_with_conversation)()
    socket = await sockets.visitor_socket(token)  # the auth frame counts as the first
    for _ in range(2):
        await socket.send_json_to({"type": "ping"})
        assert await socket.receive_json_from(timeout=5) == {"type": "pong"}
    await socket.send_json_to({"type": "ping"})
    limited = await socket.receive_json_from(timeout=5)
    assert limited["code"] == "rate_limited"
    for _ in range(6):
        await socket.send_to(text_data=json.dumps({"type": "ping"}))
    outputs = []
    while True:
        output = await socket.receive_output(timeout=5)
        outputs.append(output)
        if output["type"] == "websocket.close":
            break
    assert outputs[-1] == {"type": "websocket.close", "code": 4429}


async def test_socket_from_a_foreign_origin_is_refused(in_memory_layer):
    widget = await sync_to_async(factories.widget)(allowed_origins=["https://shop.example"])
    _contact, token = await sync_to_async(factories.visitor)(widget_obj=widget)
    allowed = await sockets.visitor_socket(
        token, headers=[(b"origin", b"https://shop.example"), (b"host", b"chat.example")]
    )
    await allowed.disconnect()
    refused = WebsocketCommunicator(
        sockets.application,
        "/ws/widget/",
        headers=[(b"origin", b"https://evil.example"), (b"host", b"chat.example")],
    )
    await refused.connect()
    await refused.send_json_to({"type": "auth", "visitor_token": token})
    assert await refused.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}


async def test_an_open_widget_marks_its_visitor_as_here(in_memory_layer):
    from datetime import timedelta

    from django.utils import timezone

    from support.models import Contact

    contact, token = await sync_to_async(factories.visitor)()
    long_ago = timezone.now() - timedelta(hours=3)
    await sync_to_async(Contact.objects.filter(pk=contact.pk).update)(last_seen_at=long_ago)

    socket = await sockets.visitor_socket(token)

    contact = await sync_to_async(Contact.objects.get)(pk=contact.pk)
    assert contact.last_seen_at > timezone.now() - timedelta(seconds=30)
    await socket.disconnect()
