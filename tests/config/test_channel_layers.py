"""config.channel_layers: a batch of group messages in one pipelined round trip, in order, and a
group message decoded once per process.

Both rest on channels-redis internals (4.3: the per-loop layer, its shards' lock, connection and
group channel names; the same bytes handed to every channel of a group): the tests below fail
when an upgrade changes them, instead of the layer quietly falling back to one PUBLISH each or
decoding once per socket."""

import asyncio

import pytest

from config.channel_layers import PipelinedPubSubChannelLayer
from tests.conftest import REDIS_URL

pytestmark = [pytest.mark.redis]


@pytest.fixture
async def layer():
    if not REDIS_URL:
        pytest.skip("needs a real Redis: set REDIS_URL (CI does)")
    layer = PipelinedPubSubChannelLayer(
        hosts=[{"address": REDIS_URL, "socket_timeout": None}], prefix="destek-test-pipeline"
    )
    yield layer
    await layer.flush()


async def test_a_batch_reaches_every_group_in_order(layer, caplog):
    first, second = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("one", first)
    await layer.group_add("two", second)
    await layer.group_add("two", first)

    await layer.group_send_many(
        [
            ("one", {"type": "x", "n": 1}),
            ("two", {"type": "x", "n": 2}),
            ("one", {"type": "x", "n": 3}),
        ]
    )

    got_first = [await asyncio.wait_for(layer.receive(first), 2) for _ in range(3)]
    assert [e["n"] for e in got_first] == [1, 2, 3]
    assert (await asyncio.wait_for(layer.receive(second), 2))["n"] == 2
    # Pipelined, not the fallback: the channels-redis internals it reaches into are still there.
    assert "publishing one by one" not in caplog.text


async def test_the_channels_redis_internals_it_relies_on_are_there(layer):
    """If this fails after a channels-redis upgrade, fix group_send_many for the new internals
    (or drop it): its fallback is correct but publishes one message per round trip."""
    loop_layer = layer._get_layer()
    channel = loop_layer._get_group_channel_name("g")
    shard = loop_layer._get_shard(channel)
    assert channel.endswith("g")
    assert callable(shard._ensure_redis)
    async with shard._lock:
        shard._ensure_redis()
        async with shard._redis.pipeline(transaction=False) as pipe:
            pipe.publish(channel, layer.serialize({"type": "x"}))
            assert await pipe.execute() == [0]  # nobody subscribed to "g"


async def test_without_the_internals_it_falls_back_to_one_send_each(layer, monkeypatch, caplog):
    channel = await layer.new_channel()
    await layer.group_add("g", channel)
    # What a channels-redis upgrade that renamed its internals would look like to this code.
    real_get_layer, calls = layer._get_layer, []

    def get_layer():
        calls.append(1)
        return object() if len(calls) == 1 else real_get_layer()

    monkeypatch.setattr(layer, "_get_layer", get_layer)

    await layer.group_send_many([("g", {"type": "x", "n": 1}), ("g", {"type": "x", "n": 2})])

    assert "publishing one by one" in caplog.text
    got = [await asyncio.wait_for(layer.receive(channel), 2) for _ in range(2)]
    assert [e["n"] for e in got] == [1, 2]


async def test_a_group_message_is_decoded_once_for_every_socket_of_the_group(layer):
    first, second, other = [await layer.new_channel() for _ in range(3)]
    for channel in (first, second):
        await layer.group_add("team", channel)
    await layer.group_add("alone", other)

    # One event to two groups is serialised once, and each group message decoded once here.
    event = {"type": "x", "html": {"en": "<li>row</li>"}}
    await layer.group_send_many([("team", event), ("alone", event)])

    got_first = await asyncio.wait_for(layer.receive(first), 2)
    got_second = await asyncio.wait_for(layer.receive(second), 2)
    got_other = await asyncio.wait_for(layer.receive(other), 2)
    assert got_first == got_second == got_other == event
    assert got_first is got_second
    # Another publish is another message, whatever its content.
    await layer.group_send("team", event)
    assert await asyncio.wait_for(layer.receive(first), 2) is not got_first
