"""Inbox rows over real console sockets, batched per socket (console/inbox_batch.py): the newest
state of each row, in the order they changed, a few frames a second however many messages
arrive; the agent's own conversations and the watched one at once, in one frame."""

import re

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from console import inbox_batch, realtime
from support import services as support_services
from support.models import Conversation
from tests import factories, sockets

pytestmark = sockets.SOCKET_TESTS


def row_events(conversation) -> list[tuple[str, dict]]:
    """What a change of the conversation publishes (console.realtime.conversation_events), with
    the row as the inbox selectors load it."""
    from support import selectors

    loaded = selectors.conversation_get_for_inbox_row(conversation_id=conversation.pk)
    return realtime.conversation_events(loaded)


async def publish(events: list[tuple[str, dict]]) -> None:
    layer = get_channel_layer()
    for group, event in events:
        await layer.group_send(group, event)


def row_ids(html: str) -> list[int]:
    """The rows a frame shows or withdraws, in order."""
    return [int(i) for i in re.findall(r'<li id="conv-row-(\d+)"', html)]


def set_preview(conversation, text: str):
    Conversation.objects.filter(pk=conversation.pk).update(last_message_preview=text)
    return conversation


async def test_rows_in_a_burst_arrive_as_one_frame_with_the_newest_state_of_each(
    channel_layer_kind,
):
    supervisor = await sync_to_async(factories.supervisor)()
    user = await sync_to_async(lambda: supervisor.user)()
    a, b, c = [await sync_to_async(factories.conversation)() for _ in range(3)]
    socket = await sockets.console_socket(user)
    await sockets.drain(socket)

    # Each change as the write paths publish it, within a few milliseconds.
    bursts = []
    for conversation, text in ((a, "a first"), (b, "b only"), (a, "a second"), (c, "c only")):
        await sync_to_async(set_preview)(conversation, text)
        bursts.append(await sync_to_async(row_events)(conversation))
    for events in bursts:
        await publish(events)

    frames = await sockets.drain(socket, quiet=2 * inbox_batch.BATCH_SECONDS)
    assert len(frames) == 1
    (html,) = frames
    # The order they last changed in (each arrives at the top of the list: the newest last).
    assert row_ids(html) == [b.pk, a.pk, c.pk]
    assert "a second" in html and "a first" not in html
    await socket.disconnect()


async def test_a_row_that_leaves_the_inbox_in_a_burst_is_withdrawn_not_shown(channel_layer_kind):
    supervisor = await sync_to_async(factories.supervisor)()
    user = await sync_to_async(lambda: supervisor.user)()
    conversation = await sync_to_async(factories.conversation)()
    socket = await sockets.console_socket(user)  # active conversations only
    await sockets.drain(socket)

    shown = await sync_to_async(row_events)(conversation)
    await sync_to_async(support_services.conversation_resolve)(
        conversation=conversation, agent=user
    )
    await sockets.drain(socket, quiet=2 * inbox_batch.BATCH_SECONDS)
    resolved = await sync_to_async(row_events)(conversation)
    await publish(shown)
    await publish(resolved)

    (html,) = await sockets.drain(socket, quiet=2 * inbox_batch.BATCH_SECONDS)
    assert html == realtime.row_withdrawn_html(conversation.pk)
    await socket.disconnect()


async def test_the_agents_own_conversation_goes_out_at_once_and_once(channel_layer_kind):
    team = await sync_to_async(factories.team)()
    await sync_to_async(factories.topic)(slug="billing", team=team)
    agent = await sync_to_async(factories.agent)(teams=[team])
    user = await sync_to_async(lambda: agent.user)()
    queued = await sync_to_async(factories.conversation)(topic_slug="billing")
    mine = await sync_to_async(factories.conversation)(topic_slug="billing")
    await sync_to_async(Conversation.objects.filter(pk=mine.pk).update)(assignee=user)
    socket = await sockets.console_socket(user)
    await sockets.drain(socket)

    # The team's queued conversation first, then the agent's own: the team's waits for its
    # batch, the agent's own (through the team's group and the agent's) goes at once, once.
    await publish(await sync_to_async(row_events)(queued))
    await publish(await sync_to_async(row_events)(mine))

    first = await socket.receive_from(timeout=5)
    assert row_ids(first) == [mine.pk]
    second = await socket.receive_from(timeout=5)
    assert row_ids(second) == [queued.pk]
    assert await socket.receive_nothing(timeout=2 * inbox_batch.BATCH_SECONDS)
    await socket.disconnect()


async def test_the_watched_conversation_gets_its_message_and_row_in_one_frame(
    channel_layer_kind,
):
    user = await sockets.agent_user()
    conversation = await sync_to_async(factories.conversation)()
    await sync_to_async(Conversation.objects.filter(pk=conversation.pk).update)(assignee=user)
    socket = await sockets.console_socket(user)
    await socket.send_json_to({"type": "watch", "conversation": conversation.pk, "after": 0})
    await sockets.drain(socket)

    message = await sync_to_async(factories.message)(conversation=conversation, body="Hi there")

    frames = await sockets.drain(socket, quiet=2 * inbox_batch.BATCH_SECONDS)
    assert len(frames) == 1
    (html,) = frames
    assert html.startswith('<div hx-swap-oob="beforeend:#message-list">')
    assert f'id="message-{message.pk}"' in html
    assert row_ids(html) == [conversation.pk]
    await socket.disconnect()


async def test_a_read_mark_follows_the_row_it_clears_in_the_batch(channel_layer_kind):
    supervisor = await sync_to_async(factories.supervisor)()
    user = await sync_to_async(lambda: supervisor.user)()
    conversation = await sync_to_async(factories.conversation)()
    socket = await sockets.console_socket(user)
    await sockets.drain(socket)

    await publish(await sync_to_async(row_events)(conversation))
    # read_mark.moved's data for the agent's mark (support.events).
    mark = {"conversation_id": conversation.pk, "contact_id": conversation.contact_id}
    mark.update(reader="agent", up_to=1, team_id=None, assignee_id=None)
    await sync_to_async(realtime.read_marked)(mark)

    (html,) = await sockets.drain(socket, quiet=2 * inbox_batch.BATCH_SECONDS)
    assert html.index(f'id="conv-row-{conversation.pk}"') < html.index("read-mark")
    await socket.disconnect()
