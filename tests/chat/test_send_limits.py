"""Sends and limits over the sockets (issues 22 and 26): a client id names one message, the
visitor's message limit is shared with HTTP, agent sockets have their own frame budget, and
read marks and typing are counted apart from messages."""

import json
import re

from asgiref.sync import sync_to_async

from chat import frames as socket_frames
from support.models import Conversation, Message
from tests import factories, sockets

pytestmark = sockets.SOCKET_TESTS

MESSAGE_ID_RE = re.compile(r'data-message-id="(\d+)"')
MESSAGE_LIST = '<div hx-swap-oob="beforeend:#message-list">'


def send_frame(conversation, client_id, body):
    return {
        "type": "message.send",
        "conversation": conversation.pk,
        "client_id": client_id,
        "body": body,
    }


async def console_answer(console, client_id) -> dict:
    """The JSON answer to a reply frame; the fragments (HTML) around it are skipped."""
    while True:
        text = await console.receive_from(timeout=5)
        if text.startswith("{") and json.loads(text).get("client_id") == client_id:
            return json.loads(text)


async def close_code(socket) -> int:
    while True:
        output = await socket.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            return output["code"]


async def test_a_known_client_id_with_a_new_body_gets_an_error_frame_and_a_retry_the_message(
    in_memory_layer,
):
    _contact, token, conversation = await sync_to_async(sockets.make_visitor_with_conversation)()
    socket = await sockets.visitor_socket(token)
    await socket.send_json_to(send_frame(conversation, "v-1", "first text"))
    first = await sockets.receive_until(socket, lambda f: f["type"] == "message.new")

    await socket.send_json_to(send_frame(conversation, "v-1", "a new text"))
    refused = await sockets.receive_until(socket, lambda f: f["type"] == "error")
    await socket.send_json_to(send_frame(conversation, "v-1", "first text"))
    retried = await sockets.receive_until(socket, lambda f: f["type"] == "message.new")

    assert (refused["code"], refused["client_id"]) == ("client_id_reused", "v-1")
    assert retried["message"] == first["message"]
    bodies = await sync_to_async(list)(
        Message.objects.filter(client_id="v-1").values_list("body", flat=True)
    )
    assert bodies == ["first text"]
    await socket.disconnect()


async def test_http_and_socket_sends_share_one_limit_per_conversation(
    in_memory_layer, settings, client
):
    settings.DESTEK = {**settings.DESTEK, "MESSAGE_RATE_LIMIT": 3}
    _contact, token, conversation = await sync_to_async(sockets.make_visitor_with_conversation)()

    def http_send(client_id):
        return client.post(
            f"/api/widget/v1/conversations/{conversation.pk}/messages",
            json.dumps({"body": client_id, "client_id": client_id}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    assert (await sync_to_async(http_send)("h1")).status_code == 201
    assert (await sync_to_async(http_send)("h2")).status_code == 201
    socket = await sockets.visitor_socket(token)
    await socket.send_json_to(send_frame(conversation, "s1", "third"))
    assert (await sockets.receive_until(socket, lambda f: f["type"] == "message.new"))["message"][
        "client_id"
    ] == "s1"

    await socket.send_json_to(send_frame(conversation, "s2", "fourth"))
    refused = await sockets.receive_until(socket, lambda f: f["type"] == "error")
    over_http = await sync_to_async(http_send)("h3")

    assert (refused["code"], refused["client_id"]) == ("rate_limited", "s2")
    assert 1000 <= refused["retry_after"] <= 60_000
    assert over_http.status_code == 429
    assert over_http["Retry-After"]
    stored = await sync_to_async(set)(
        Message.objects.filter(client_id__in=["h1", "h2", "h3", "s1", "s2"]).values_list(
            "client_id", flat=True
        )
    )
    assert stored == {"h1", "h2", "s1"}
    await socket.disconnect()


async def test_read_marks_and_typing_do_not_use_up_the_message_budget(in_memory_layer, settings):
    settings.DESTEK = {**settings.DESTEK, "SOCKET_FRAMES_PER_WINDOW": 3}
    _contact, token, conversation = await sync_to_async(sockets.make_visitor_with_conversation)()
    first = await sync_to_async(conversation.messages.get)()
    socket = await sockets.visitor_socket(token)  # the auth frame is the first of three
    for state in (True, False) * 5:
        await socket.send_json_to(
            {"type": "typing", "conversation": conversation.pk, "state": state}
        )
        await socket.send_json_to({"type": "read", "conversation": conversation.pk, "up_to": 0})
    await socket.send_json_to({"type": "read", "conversation": conversation.pk, "up_to": first.pk})

    await socket.send_json_to(send_frame(conversation, "after-signals", "still sent"))
    answer = await sockets.receive_until(socket, lambda f: f["type"] in ("message.new", "error"))

    assert answer["type"] == "message.new"
    assert answer["message"]["client_id"] == "after-signals"
    await socket.disconnect()


async def test_a_flood_of_read_marks_still_closes_the_socket(in_memory_layer, settings):
    settings.DESTEK = {**settings.DESTEK, "SOCKET_SIGNAL_FRAMES_PER_WINDOW": 2}
    _contact, token, conversation = await sync_to_async(sockets.make_visitor_with_conversation)()
    socket = await sockets.visitor_socket(token)
    for _ in range(7):
        await socket.send_json_to({"type": "read", "conversation": conversation.pk, "up_to": 1})

    assert await close_code(socket) == 4429


async def test_read_marks_and_typing_past_their_budget_are_coalesced_not_refused(
    in_memory_layer, settings
):
    """Past the budget a read mark waits for the next ping (only the newest matters) and
    typing is dropped: no error frame for either, and the mark is stored."""
    settings.DESTEK = {**settings.DESTEK, "SOCKET_SIGNAL_FRAMES_PER_WINDOW": 2}
    _contact, token, conversation = await sync_to_async(sockets.make_visitor_with_conversation)()
    replies = [
        await sync_to_async(factories.message)(conversation=conversation, sender_type="bot")
        for _ in range(3)
    ]
    socket = await sockets.visitor_socket(token)
    await socket.send_json_to({"type": "subscribe", "conversation": conversation.pk})
    await sockets.receive_until(socket, lambda f: f["type"] == "conversation.updated")
    for reply in replies:  # the second and third are past the budget of two
        await socket.send_json_to(
            {"type": "read", "conversation": conversation.pk, "up_to": reply.pk}
        )
    await socket.send_json_to({"type": "typing", "conversation": conversation.pk, "state": True})

    def mark():
        return Conversation.objects.values_list("visitor_last_read_id", flat=True).get(
            pk=conversation.pk
        )

    await socket.send_json_to({"type": "ping"})
    frames = []
    while not frames or frames[-1]["type"] != "pong":
        frames.append(await socket.receive_json_from(timeout=5))

    assert [f for f in frames if f["type"] == "error"] == []
    assert await sync_to_async(mark)() == replies[-1].pk
    await socket.disconnect()


async def test_an_agent_socket_has_a_visitors_budget_in_each_conversation(
    in_memory_layer, settings
):
    settings.DESTEK = {**settings.DESTEK, "SOCKET_FRAMES_PER_WINDOW": 2}
    conversations = [
        (await sync_to_async(sockets.make_visitor_with_conversation)())[2] for _ in range(4)
    ]
    user = await sockets.agent_user()
    console = await sockets.console_socket(user)

    for conversation in conversations:  # two replies in each: every one is sent
        for n in range(2):
            client_id = f"a-{conversation.pk}-{n}"
            await console.send_json_to(send_frame(conversation, client_id, f"reply {n}"))
            assert await console_answer(console, client_id) == {
                "type": "message.sent",
                "client_id": client_id,
            }
    await console.send_json_to(send_frame(conversations[0], "a-third", "one too many"))
    refused = await console_answer(console, "a-third")

    assert (refused["code"], refused["client_id"]) == ("rate_limited", "a-third")
    assert await sync_to_async(Message.objects.filter(client_id__startswith="a-").count)() == 8
    await console.disconnect()


class Clock:
    """The frame limits' clock, moved by the test: an agent's minutes played in seconds."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def console_frames_until(console, predicate) -> list:
    """Every frame up to the one that matches; JSON frames decoded, HTML kept as text."""
    seen = []
    while True:
        text = await console.receive_from(timeout=5)
        seen.append(json.loads(text) if text.startswith("{") else text)
        if predicate(seen[-1]):
            return seen


def answers(frame, client_id: str) -> bool:
    """A console frame that answers the reply `client_id`: its fragment, or a JSON frame."""
    if isinstance(frame, str):
        return f'data-client-id="{client_id}"' in frame
    return frame.get("client_id") == client_id


def refusals(frames) -> list:
    return [f for f in frames if isinstance(f, dict) and f.get("type") == "error"] + [
        f for f in frames if isinstance(f, str) and "console-errors" in f
    ]


async def test_a_busy_agent_at_human_pace_in_twenty_conversations_is_never_refused(
    in_memory_layer, monkeypatch
):
    """Twenty conversations, each with a visitor writing and the agent answering once every
    3 s: before each reply the agent opens the conversation (watch), reads what is new, types
    (on, off); over fifteen seconds, more than a whole window of the limits."""
    clock = Clock()
    monkeypatch.setattr(socket_frames, "limit_clock", clock)
    conversations = [
        (await sync_to_async(sockets.make_visitor_with_conversation)())[2] for _ in range(20)
    ]
    user = await sockets.agent_user()
    console = await sockets.console_socket(user)
    seen_up_to = {c.pk: 0 for c in conversations}
    replies = 0
    frames = []

    for step in range(5 * len(conversations)):  # five rounds of 3 s
        clock.now += 3 / len(conversations)
        conversation = conversations[step % len(conversations)]
        await sync_to_async(factories.message)(conversation=conversation, body=f"visitor {step}")
        await console.send_json_to(
            {"type": "watch", "conversation": conversation.pk, "after": seen_up_to[conversation.pk]}
        )
        shown = await console_frames_until(
            console,
            lambda f, s=step: (
                isinstance(f, str) and f.startswith(MESSAGE_LIST) and f"visitor {s}<" in f
            ),
        )
        frames += shown
        newest = max(int(i) for i in MESSAGE_ID_RE.findall(shown[-1]))
        seen_up_to[conversation.pk] = newest
        await console.send_json_to(
            {"type": "read", "conversation": conversation.pk, "up_to": newest}
        )
        await console.send_json_to(
            {"type": "typing", "conversation": conversation.pk, "state": True}
        )
        client_id = f"reply-{step}"
        await console.send_json_to(send_frame(conversation, client_id, f"answer {step}"))
        # The answer: the reply's fragment (this socket watches its conversation), or an error.
        frames += await console_frames_until(console, lambda f, c=client_id: answers(f, c))
        replies += isinstance(frames[-1], str)
        await console.send_json_to(
            {"type": "typing", "conversation": conversation.pk, "state": False}
        )
    await console.send_json_to({"type": "ping"})
    frames += await console_frames_until(console, lambda f: f == "<!-- pong -->")

    assert refusals(frames) == []
    assert replies == 100
    await console.disconnect()


async def test_a_flood_into_one_conversation_is_refused_then_closed(in_memory_layer, monkeypatch):
    monkeypatch.setattr(socket_frames, "limit_clock", Clock())  # all within one window
    _contact, _token, conversation = await sync_to_async(sockets.make_visitor_with_conversation)()
    user = await sockets.agent_user()
    console = await sockets.console_socket(user)
    for n in range(20):
        await console.send_json_to(send_frame(conversation, f"f-{n}", "spam"))
        assert (await console_answer(console, f"f-{n}"))["type"] == "message.sent"

    await console.send_json_to(send_frame(conversation, "f-20", "spam"))
    refused = await console_answer(console, "f-20")
    for n in range(21, 70):
        await console.send_to(text_data=json.dumps(send_frame(conversation, f"f-{n}", "spam")))

    assert refused["code"] == "rate_limited"
    assert await close_code(console) == 4429
    assert await sync_to_async(Message.objects.filter(client_id__startswith="f-").count)() == 20


async def test_a_flood_spread_over_conversations_meets_the_sockets_ceiling(
    in_memory_layer, settings, monkeypatch
):
    settings.DESTEK = {**settings.DESTEK, "CONSOLE_SOCKET_FRAMES_PER_WINDOW": 30}
    monkeypatch.setattr(socket_frames, "limit_clock", Clock())
    user = await sockets.agent_user()
    console = await sockets.console_socket(user)
    # With the page's inbox frame, thirty: one per conversation id, no conversation's budget
    # is used up.
    for n in range(1, 30):
        await console.send_json_to({"type": "typing", "conversation": n, "state": True})
    errors_before = await console_frames_until(console, lambda f: "console-errors" in f)
    for _ in range(28):
        await console_frames_until(console, lambda f: "console-errors" in f)

    # Past the ceiling a frame is refused (typing would be dropped quietly: a hint).
    await console.send_json_to({"type": "watch", "conversation": 31})
    limited = await console_frames_until(console, lambda f: "console-errors" in f)
    for n in range(32, 100):
        await console.send_to(
            text_data=json.dumps({"type": "typing", "conversation": n, "state": True})
        )

    assert "rate_limited" not in errors_before[-1]
    assert "rate_limited" in limited[-1]
    assert await close_code(console) == 4429
