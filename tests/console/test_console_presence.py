"""An agent whose console closed is gone at once: no chat assigned to them, and the bot
promises nobody in their name; another open console of theirs keeps them online."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from chat import bot
from support import selectors as support_selectors
from support.models import Conversation, Message
from tests import factories, sockets

pytestmark = sockets.SOCKET_TESTS


async def console(user) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(sockets.application, "/ws/console/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect(timeout=10)
    assert connected
    return communicator


async def online_name(user, *, expect: str) -> str:
    """The agent's online name once it is `expect` (a heartbeat lands just after the socket
    opens), or what it is after five seconds."""
    name = ""
    for _ in range(100):
        name = await sync_to_async(support_selectors.agent_online_name)(user_id=user.pk)
        if name == expect:
            break
        await asyncio.sleep(0.05)
    return name


def handoff_line(conversation, user) -> str:
    Conversation.objects.filter(pk=conversation.pk).update(
        assignee=user, status=Conversation.Status.OPEN
    )
    bot.announce_handoff(conversation=conversation, language="en")
    return conversation.messages.filter(sender_type=Message.SenderType.BOT).latest("id").body


async def test_a_closed_console_is_gone_and_the_bot_promises_nobody(channel_layer_kind):
    user = await sockets.agent_user(display_name="Mert Kaya", online=True)
    conversation = await sync_to_async(factories.conversation)()

    socket = await console(user)
    assert await online_name(user, expect="Mert Kaya") == "Mert Kaya"
    line = await sync_to_async(handoff_line)(conversation, user)
    assert line == "Mert Kaya will be with you in a moment."

    await socket.disconnect(timeout=10)
    # Seconds after the console closed, well inside the heartbeat's one-minute timeout.
    online = sync_to_async(support_selectors.agent_online_name)
    assert await online(user_id=user.pk) == ""
    candidates = await sync_to_async(support_selectors.agent_candidates)(team_id=None, lock=False)
    assert user.pk not in [candidate.user_id for candidate in candidates]
    line = await sync_to_async(handoff_line)(conversation, user)
    assert "Mert Kaya" not in line
    assert line.startswith("Thanks! I'm passing you to a person.")


async def test_another_open_console_keeps_the_agent_online(channel_layer_kind, request):
    if channel_layer_kind == "core":
        # RedisChannelLayer (CHANNEL_LAYER=core; the default is pubsub) with redis-py >= 4.5.4:
        # a receive cancelled with its socket leaves a shielded BZPOPMIN running, which pops
        # the process's next event and drops it (channels_redis #366): here the other tab's
        # heartbeat request, some of the time. That tab's own next heartbeat brings the agent
        # back. Not strict: the race is lost only some of the time.
        request.node.add_marker(
            pytest.mark.xfail(strict=False, reason="channels_redis #366 on the core layer")
        )
    user = await sockets.agent_user(display_name="Mert Kaya", online=True)
    first, second = await console(user), await console(user)
    assert await online_name(user, expect="Mert Kaya") == "Mert Kaya"

    await first.disconnect(timeout=10)
    # The other tab answers with a heartbeat, in milliseconds.
    assert await online_name(user, expect="Mert Kaya") == "Mert Kaya"
    await second.disconnect(timeout=10)
    assert await online_name(user, expect="") == ""
