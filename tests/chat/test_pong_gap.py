"""A live event lost in transit (a Redis outage drops group messages while the socket stays
open) is sent by the socket itself at the next ping, once, even behind newer messages."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from chat import selectors
from support.models import Message
from tests import factories, sockets

pytestmark = sockets.SOCKET_TESTS


async def test_a_message_never_announced_is_sent_at_the_next_ping(in_memory_layer):
    contact, token = await sync_to_async(factories.visitor)()
    conversation = await sync_to_async(factories.conversation)(contact=contact)
    socket = WebsocketCommunicator(sockets.application, "/ws/widget/")
    await socket.connect()
    await socket.send_json_to({"type": "auth", "visitor_token": token})
    await socket.receive_json_from(timeout=5)
    await socket.send_json_to({"type": "subscribe", "conversation": conversation.pk})
    delivered = []
    while True:
        frame = await socket.receive_json_from(timeout=5)
        if frame["type"] == "message.new":
            delivered.append(frame["message"]["id"])
        if frame["type"] == "conversation.updated":
            break
    # Stored but never announced: what a lost group_send leaves behind (from an agent whose
    # account has since been deleted, which must not break the protocol either).
    lost = await Message.objects.acreate(conversation=conversation, sender_type="agent", body="x")

    await socket.send_json_to({"type": "ping"})
    assert (await socket.receive_json_from(timeout=5)) == {"type": "pong"}  # not settled yet
    await Message.objects.filter(pk=lost.pk).aupdate(
        created_at=timezone.now() - timedelta(seconds=10)
    )
    await socket.send_json_to({"type": "ping"})
    filled = await socket.receive_json_from(timeout=5)

    assert filled["type"] == "message.new"
    assert filled["message"]["id"] == lost.pk
    assert filled["message"]["sender"] == {"type": "agent", "name": "", "avatar_url": None}
    assert (await socket.receive_json_from(timeout=5)) == {"type": "pong"}
    # Sent once: the next ping finds nothing missing.
    await socket.send_json_to({"type": "ping"})
    assert (await socket.receive_json_from(timeout=5)) == {"type": "pong"}
    assert set(delivered).isdisjoint({lost.pk})
    await socket.disconnect()


@pytest.mark.django_db
def test_recent_ids_are_the_newest_per_conversation_in_one_query(django_assert_num_queries):
    first, second = factories.conversation(), factories.conversation()
    for n in range(5):
        factories.message(conversation=first, body=f"m{n}")
    ids = list(
        Message.objects.filter(conversation=first).order_by("id").values_list("id", flat=True)
    )

    with django_assert_num_queries(1):
        recent = selectors.message_recent_ids(conversation_ids={first.pk, second.pk}, limit=3)

    assert recent[first.pk] == ids[-3:]
    assert len(recent[second.pk]) == 1


async def test_the_console_gets_a_message_whose_fragment_was_lost_at_its_next_ping(in_memory_layer):
    supervisor = await sync_to_async(factories.supervisor)()
    conversation = await sync_to_async(factories.conversation)(body="first")
    newest = await Message.objects.filter(conversation=conversation).alatest("id")
    console = WebsocketCommunicator(sockets.application, "/ws/console/")
    console.scope["user"] = supervisor.user
    await console.connect()
    await console.send_json_to(
        {"type": "watch", "conversation": conversation.pk, "after": newest.pk}
    )
    await console.send_json_to({"type": "ping"})
    # The watch is in place: the conversation's state (its row, its header), then the pong.
    while await console.receive_from(timeout=5) != "<!-- pong -->":
        pass
    lost = await Message.objects.acreate(
        conversation=conversation, sender_type="visitor", body="never announced"
    )
    # A newer message that did arrive hides the gap from the page.
    announced = await sync_to_async(factories.message)(conversation=conversation, body="later")
    await Message.objects.filter(pk=lost.pk).aupdate(
        created_at=timezone.now() - timedelta(seconds=10)
    )

    await console.send_json_to({"type": "ping"})
    frames = []
    while not frames or frames[-1] != "<!-- pong -->":
        frames.append(await console.receive_from(timeout=5))

    filled = [f for f in frames if f'id="message-{lost.pk}"' in f]
    assert len(filled) == 1 and "never announced" in filled[0]
    assert f'id="message-{announced.pk}"' not in filled[0]  # it arrived live: not resent
    await console.send_json_to({"type": "ping"})
    assert await console.receive_from(timeout=5) == "<!-- pong -->"
    await console.disconnect()
