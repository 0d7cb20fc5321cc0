"""Admission control (chat/backlog.py): the count of the sockets' database calls, and what the
consumers do while it is at the limit."""

import asyncio
import contextlib
import json
import threading

import pytest
from asgiref.sync import sync_to_async

from chat import backlog as backlog_module
from chat.backlog import backlog, database_sync_to_async, retry_after_ms
from support.models import Conversation, Message
from tests import factories, sockets

# The database thread keeps a connection between tests: every test may use it.
pytestmark = sockets.SOCKET_TESTS


@contextlib.asynccontextmanager
async def database_thread_held():
    """One counted call holds this process's database thread, as a slow query would; the
    calls after it queue. Nothing in the block may wait for the database itself."""
    release = threading.Event()
    held = asyncio.ensure_future(database_sync_to_async(release.wait)())
    await asyncio.sleep(0)  # the call starts: it is counted
    try:
        yield
    finally:
        release.set()
        await asyncio.wait_for(held, timeout=10)


@pytest.fixture
def overload_limit(settings):
    """A limit of one call: the held call alone fills it."""
    settings.DESTEK = {
        **settings.DESTEK,
        "SOCKET_DB_BACKLOG_LIMIT": 1,
        "SOCKET_DB_WAIT_BUDGET_MS": 10**9,
        "SOCKET_RETRY_AFTER_MS": 50,
    }


# The count: a leak would refuse forever.


async def test_the_count_covers_a_call_until_it_returns():
    assert backlog.pending == 0
    async with database_thread_held():
        assert backlog.pending == 1
        queued = asyncio.ensure_future(database_sync_to_async(lambda: "done")())
        await asyncio.sleep(0)
        assert backlog.pending == 2
    assert await queued == "done"
    assert backlog.pending == 0


async def test_the_count_returns_to_zero_when_the_call_raises():
    def broken():
        raise ValueError("query failed")

    with pytest.raises(ValueError, match="query failed"):
        await database_sync_to_async(broken)()
    assert backlog.pending == 0


async def test_the_count_returns_to_zero_when_callers_are_cancelled():
    release = threading.Event()
    running = asyncio.ensure_future(database_sync_to_async(release.wait)())
    queued = asyncio.ensure_future(database_sync_to_async(lambda: None)())
    await asyncio.sleep(0)
    assert backlog.pending == 2
    try:
        for task in (queued, running):
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=10)
        assert backlog.pending == 0
    finally:
        release.set()  # the running call still ends on the thread, uncounted
    await database_sync_to_async(lambda: None)()
    assert backlog.pending == 0


def test_the_limit_is_what_fits_in_the_wait_budget_at_most_the_setting(settings, monkeypatch):
    settings.DESTEK = {
        **settings.DESTEK,
        "SOCKET_DB_BACKLOG_LIMIT": 50,
        "SOCKET_DB_WAIT_BUDGET_MS": 200,
    }
    monkeypatch.setattr(backlog, "call_seconds", None)
    assert backlog.limit() == 50  # nothing measured yet
    monkeypatch.setattr(backlog, "call_seconds", 0.002)
    assert backlog.limit() == 50
    monkeypatch.setattr(backlog, "call_seconds", 0.020)  # a busy machine
    assert backlog.limit() == 10
    monkeypatch.setattr(backlog, "call_seconds", 5.0)
    assert backlog.limit() == 1
    monkeypatch.setattr(backlog, "pending", 5)
    assert backlog.full() and backlog.full(share=0.5)
    settings.DESTEK = {**settings.DESTEK, "SOCKET_DB_BACKLOG_LIMIT": 0}
    assert not backlog.full()  # 0 turns it off


def test_the_time_per_call_is_a_moving_average(monkeypatch):
    monkeypatch.setattr(backlog, "call_seconds", None)
    backlog.served(0.010)
    assert backlog.call_seconds == 0.010
    backlog.served(0.110)
    assert backlog.call_seconds == pytest.approx(0.010 + 0.100 * backlog_module.CALL_TIME_WEIGHT)


def test_retry_after_is_spread_around_the_setting(settings):
    settings.DESTEK = {**settings.DESTEK, "SOCKET_RETRY_AFTER_MS": 1000}
    waits = {retry_after_ms() for _ in range(50)}
    assert all(500 <= wait <= 1500 for wait in waits)
    assert len(waits) > 1  # so refused clients do not come back together


# The consumers.


async def test_message_send_is_refused_as_overloaded_and_stored_once_when_sent_again(
    in_memory_layer, overload_limit
):
    _contact, token, conversation = await sync_to_async(sockets.make_visitor_with_conversation)()
    socket = await sockets.visitor_socket(token)
    frame = {
        "type": "message.send",
        "conversation": conversation.pk,
        "client_id": "busy-1",
        "body": "Is my refund on its way?",
    }
    async with database_thread_held():
        await socket.send_json_to(frame)
        refused = await socket.receive_json_from(timeout=5)
    assert refused == {
        "type": "error",
        "code": "overloaded",
        "detail": refused["detail"],
        "client_id": "busy-1",
        "retry_after": refused["retry_after"],
    }
    assert isinstance(refused["retry_after"], int) and 0 < refused["retry_after"] <= 75

    # As a client does: wait retry_after, send the same frame again.
    await asyncio.sleep(refused["retry_after"] / 1000)
    await socket.send_json_to(frame)
    ack = await sockets.receive_until(
        socket, lambda f: f["type"] == "message.new" and f["message"]["client_id"] == "busy-1"
    )
    await socket.send_json_to(frame)  # and once more: still one message
    again = await sockets.receive_until(
        socket, lambda f: f["type"] == "message.new" and f["message"]["client_id"] == "busy-1"
    )
    assert ack["message"]["id"] == again["message"]["id"]
    stored = await sync_to_async(Message.objects.filter(client_id="busy-1").count)()
    assert stored == 1
    assert backlog.pending == 0
    await socket.disconnect()


async def test_a_later_message_cannot_overtake_a_refused_one(
    in_memory_layer, overload_limit, settings
):
    settings.DESTEK = {**settings.DESTEK, "SOCKET_RETRY_AFTER_MS": 20_000}
    _contact, token, conversation = await sync_to_async(sockets.make_visitor_with_conversation)()
    socket = await sockets.visitor_socket(token)

    def send(client_id):
        return socket.send_json_to(
            {
                "type": "message.send",
                "conversation": conversation.pk,
                "client_id": client_id,
                "body": client_id,
            }
        )

    async with database_thread_held():
        await send("first")
        first = await socket.receive_json_from(timeout=5)
    # The backlog drained, but this socket was told to wait: the next message waits too, no
    # longer than the first, so the client sends both again in order.
    await send("second")
    second = await socket.receive_json_from(timeout=5)
    assert (first["code"], second["code"]) == ("overloaded", "overloaded")
    assert second["client_id"] == "second"
    assert second["retry_after"] <= first["retry_after"]
    assert not await sync_to_async(
        Message.objects.filter(client_id__in=["first", "second"]).exists
    )()
    await socket.disconnect()


async def test_overloaded_read_marks_and_gap_checks_wait_for_a_later_ping(
    in_memory_layer, overload_limit
):
    # Each side's own message moves its own mark: the visitor reads an agent's reply in one
    # conversation, the agent reads a visitor's message in another.
    contact, token, replied = await sync_to_async(sockets.make_visitor_with_conversation)()
    waiting = await sync_to_async(factories.conversation)(contact=contact, body="Anyone there?")
    user = await sockets.agent_user()
    reply = await sync_to_async(factories.message)(
        conversation=replied, sender_type="agent", body="Refund sent", agent_user=user
    )
    question = await sync_to_async(waiting.messages.get)()
    visitor = await sockets.visitor_socket(token)
    await visitor.send_json_to({"type": "subscribe", "conversation": replied.pk})
    await sockets.receive_until(visitor, lambda f: f["type"] == "conversation.updated")
    console = await sockets.console_socket(user)
    await console.send_json_to({"type": "watch", "conversation": waiting.pk, "after": 0})
    await sockets.receive_html_until(console, "Anyone there?")

    def marks():
        return (
            Conversation.objects.get(pk=replied.pk).visitor_last_read_id,
            Conversation.objects.get(pk=waiting.pk).agent_last_read_id,
        )

    before = await sync_to_async(marks)()
    async with database_thread_held():
        await visitor.send_json_to({"type": "read", "conversation": replied.pk, "up_to": reply.pk})
        await console.send_json_to(
            {"type": "read", "conversation": waiting.pk, "up_to": question.pk}
        )
        # The pongs come at once: nothing waits for the held thread.
        await visitor.send_json_to({"type": "ping"})
        assert await visitor.receive_json_from(timeout=5) == {"type": "pong"}
        await console.send_json_to({"type": "ping"})
        await sockets.receive_html_until(console, "pong")
        assert backlog.pending == 1

    assert await sync_to_async(marks)() == before
    assert before != (reply.pk, question.pk)
    await visitor.send_json_to({"type": "ping"})
    assert await visitor.receive_json_from(timeout=5) == {"type": "pong"}
    await console.send_json_to({"type": "ping"})
    await sockets.receive_html_until(console, "pong")
    assert await sync_to_async(marks)() == (reply.pk, question.pk)
    await visitor.disconnect()
    await console.disconnect()


async def test_an_agents_reply_over_the_console_socket_is_refused_as_overloaded_too(
    in_memory_layer, overload_limit
):
    _contact, _token, conversation = await sync_to_async(sockets.make_visitor_with_conversation)()
    user = await sockets.agent_user()
    console = await sockets.console_socket(user)
    await console.send_json_to({"type": "watch", "conversation": conversation.pk, "after": 0})
    await sockets.receive_html_until(console, "Bill will not close")
    reply = {
        "type": "message.send",
        "conversation": conversation.pk,
        "client_id": "reply-1",
        "body": "Looking into it",
    }
    async with database_thread_held():
        await console.send_json_to(reply)
        refused = json.loads(await sockets.receive_html_until(console, '"overloaded"'))
    assert refused == {
        "type": "error",
        "code": "overloaded",
        "detail": refused["detail"],
        "client_id": "reply-1",
        "retry_after": refused["retry_after"],
    }
    # The composer kept the text and its client_id: sending it again stores it once (its
    # fragment answers it on this socket, which watches the conversation; a retry is
    # answered message.sent).
    await console.send_json_to(reply)
    await sockets.receive_html_until(console, 'data-client-id="reply-1"')
    await console.send_json_to(reply)
    sent = json.loads(await sockets.receive_html_until(console, '"message.sent"'))
    assert sent == {"type": "message.sent", "client_id": "reply-1"}
    stored = await sync_to_async(Message.objects.filter(client_id="reply-1").count)()
    assert stored == 1
    await console.disconnect()
