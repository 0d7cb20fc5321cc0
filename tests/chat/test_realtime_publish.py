"""chat.realtime.publish: in a server process the database thread hands events to the loop."""

import asyncio
import threading

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer

from chat import realtime


@pytest.fixture
def layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    return get_channel_layer()


async def receive_all(layer, channel, count):
    return [await asyncio.wait_for(layer.receive(channel), 2) for _ in range(count)]


@pytest.fixture
def held_layer(layer, monkeypatch):
    """The layer with its sends held until `release` is set (Redis far away)."""
    release = asyncio.Event()
    real_send = realtime._send_now

    async def slow_send(layer, messages):
        await release.wait()
        await real_send(layer, messages)

    monkeypatch.setattr(realtime, "_send_now", slow_send)
    return layer, release


async def listening(layer) -> str:
    channel = await layer.new_channel()
    await layer.group_add("g", channel)
    return channel


async def publish_from_a_database_thread(count: int) -> list[bool]:
    """What a consumer's database call does: `count` commits, each publishing a batch.
    Returns whether each returned on a worker thread (not the loop's)."""
    returned_on = []

    def database_work():
        for n in range(count):
            realtime.publish([("g", {"type": "x", "n": n})])
        returned_on.append(threading.current_thread() is not threading.main_thread())

    await sync_to_async(database_work)()
    return returned_on


async def test_a_sync_caller_of_the_server_loop_does_not_wait_for_the_layer(held_layer):
    layer, release = held_layer
    channel = await listening(layer)

    # Returned while the first batch is still held (a caller that waited would time out).
    assert await asyncio.wait_for(publish_from_a_database_thread(3), 2) == [True]
    release.set()
    events = await receive_all(layer, channel, 3)
    assert [e["n"] for e in events] == [0, 1, 2]  # in commit order


async def until(predicate, timeout=2.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_a_failed_batch_is_logged_and_the_next_ones_still_go(layer, monkeypatch, caplog):
    channel = await listening(layer)
    real_send = realtime._send_now
    calls = []

    async def flaky_send(layer, messages):
        calls.append(messages)
        if len(calls) == 1:
            raise ConnectionError("redis went away")
        await real_send(layer, messages)

    monkeypatch.setattr(realtime, "_send_now", flaky_send)

    await publish_from_a_database_thread(1)
    await until(lambda: calls)
    await publish_from_a_database_thread(1)

    (event,) = await receive_all(layer, channel, 1)
    assert event["n"] == 0  # the second publish (each thread call counts from 0)
    assert len(calls) == 2
    assert "Realtime publish failed" in caplog.text


async def test_batches_queued_behind_a_send_go_out_together_in_order(layer, monkeypatch):
    channel = await listening(layer)
    real_send = realtime._send_now
    release = asyncio.Event()
    calls = []

    async def recorded_send(layer, messages):
        calls.append([event["n"] for _group, event in messages])
        await release.wait()
        await real_send(layer, messages)

    monkeypatch.setattr(realtime, "_send_now", recorded_send)

    await publish_from_a_database_thread(1)
    await until(lambda: calls)  # the first batch is in flight, held
    await publish_from_a_database_thread(3)
    release.set()

    events = await receive_all(layer, channel, 4)
    assert [e["n"] for e in events] == [0, 0, 1, 2]
    assert calls == [[0], [0, 1, 2]]  # one step for the three that waited


async def test_a_full_backlog_drops_new_batches_with_a_warning(held_layer, monkeypatch, caplog):
    monkeypatch.setattr(realtime, "PUBLISH_BACKLOG_LIMIT", 2)
    layer, release = held_layer
    channel = await listening(layer)

    await publish_from_a_database_thread(3)
    await asyncio.sleep(0)  # the loop runs the hand-overs
    release.set()

    events = await receive_all(layer, channel, 2)
    assert [e["n"] for e in events] == [0, 1]
    assert "backlog full" in caplog.text
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(layer.receive(channel), 0.2)


def test_outside_a_server_the_batch_is_sent_before_returning(layer):
    """Celery tasks, management commands: no server loop, the batch is out on return."""
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("g", channel)

    realtime.publish([("g", {"type": "x", "n": 7})])

    assert realtime._server_loop() is None
    assert async_to_sync(layer.receive)(channel)["n"] == 7
