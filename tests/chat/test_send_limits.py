"""Sends and limits over the sockets (issues 22 and 26): a client id names one message, the
visitor's message limit is shared with HTTP, agent sockets have their own frame budget, and
read marks and typing are counted apart from messages."""

import json

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from support.models import Message
from tests import factories
from tests.chat.test_consumers import (
    console_socket,
    make_visitor_with_conversation,
    receive_html_until,
    receive_until,
    visitor_socket,
)

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
async def _close_consumer_db_connections():
    yield
    await sync_to_async(connections.close_all)()


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
    _contact, token, conversation = await sync_to_async(make_visitor_with_conversation)()
    socket = await visitor_socket(token)
    await socket.send_json_to(send_frame(conversation, "v-1", "first text"))
    first = await receive_until(socket, lambda f: f["type"] == "message.new")

    await socket.send_json_to(send_frame(conversation, "v-1", "a new text"))
    refused = await receive_until(socket, lambda f: f["type"] == "error")
    await socket.send_json_to(send_frame(conversation, "v-1", "first text"))
    retried = await receive_until(socket, lambda f: f["type"] == "message.new")

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
    _contact, token, conversation = await sync_to_async(make_visitor_with_conversation)()

    def http_send(client_id):
        return client.post(
            f"/api/widget/v1/conversations/{conversation.pk}/messages",
            json.dumps({"body": client_id, "client_id": client_id}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    assert (await sync_to_async(http_send)("h1")).status_code == 201
    assert (await sync_to_async(http_send)("h2")).status_code == 201
    socket = await visitor_socket(token)
    await socket.send_json_to(send_frame(conversation, "s1", "third"))
    assert (await receive_until(socket, lambda f: f["type"] == "message.new"))["message"][
        "client_id"
    ] == "s1"

    await socket.send_json_to(send_frame(conversation, "s2", "fourth"))
    refused = await receive_until(socket, lambda f: f["type"] == "error")
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
    _contact, token, conversation = await sync_to_async(make_visitor_with_conversation)()
    first = await sync_to_async(conversation.messages.get)()
    socket = await visitor_socket(token)  # the auth frame is the first of three
    for state in (True, False) * 5:
        await socket.send_json_to(
            {"type": "typing", "conversation": conversation.pk, "state": state}
        )
        await socket.send_json_to({"type": "read", "conversation": conversation.pk, "up_to": 0})
    await socket.send_json_to({"type": "read", "conversation": conversation.pk, "up_to": first.pk})

    await socket.send_json_to(send_frame(conversation, "after-signals", "still sent"))
    answer = await receive_until(socket, lambda f: f["type"] in ("message.new", "error"))

    assert answer["type"] == "message.new"
    assert answer["message"]["client_id"] == "after-signals"
    await socket.disconnect()


async def test_a_flood_of_read_marks_still_closes_the_socket(in_memory_layer, settings):
    settings.DESTEK = {**settings.DESTEK, "SOCKET_SIGNAL_FRAMES_PER_WINDOW": 2}
    _contact, token, conversation = await sync_to_async(make_visitor_with_conversation)()
    socket = await visitor_socket(token)
    for _ in range(7):
        await socket.send_json_to({"type": "read", "conversation": conversation.pk, "up_to": 1})

    assert await close_code(socket) == 4429


async def test_agent_sockets_have_their_own_higher_frame_budget(in_memory_layer, settings):
    settings.DESTEK = {
        **settings.DESTEK,
        "SOCKET_FRAMES_PER_WINDOW": 2,
        "CONSOLE_SOCKET_FRAMES_PER_WINDOW": 8,
    }
    _contact, _token, conversation = await sync_to_async(make_visitor_with_conversation)()
    agent = await sync_to_async(factories.agent)()
    user = await sync_to_async(lambda: agent.user)()
    console = await console_socket(user)
    await console.send_json_to({"type": "watch", "conversation": conversation.pk, "after": 0})
    await receive_html_until(console, "Bill will not close")

    for i in range(6):
        await console.send_json_to(
            {
                "type": "message.send",
                "conversation": conversation.pk,
                "client_id": f"a-{i}",
                "body": f"reply {i}",
            }
        )
        assert await console_answer(console, f"a-{i}") == {
            "type": "message.sent",
            "client_id": f"a-{i}",
        }
    await console.disconnect()
