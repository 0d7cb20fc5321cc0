"""Destek.setConversationContext reaches agents live (the inbox row and the header over the
console's socket) and never the visitor's socket: it is the host page's word, for agents."""

import pytest
from asgiref.sync import sync_to_async

from support import conversation_context
from tests import sockets
from tests.console.test_console_tools_live import setup_chat

pytestmark = sockets.SOCKET_TESTS


async def test_the_context_updates_the_row_and_header_live_and_not_the_visitor(
    channel_layer_kind, request
):
    if channel_layer_kind == "core":
        # drain() cancels receives on timeout; on RedisChannelLayer a cancelled receive leaves
        # a shielded BZPOPMIN that pops the next event and drops it (channels_redis #366), here
        # sometimes the row. Production uses the pub/sub layer. Not strict: only sometimes.
        request.node.add_marker(
            pytest.mark.xfail(strict=False, reason="channels_redis #366 on the core layer")
        )
    chat = await sync_to_async(setup_chat)()
    conversation = chat["conversation"]
    visitor = await sockets.visitor_socket(chat["token"])
    console = await sockets.console_socket(chat["users"]["mentioned"])
    # The agent has the conversation open beside an inbox listing everything it may see.
    await console.send_json_to({"type": "inbox", "view": "all", "status": "active"})
    await console.send_json_to({"type": "watch", "conversation": conversation.pk, "after": 0})
    await sockets.drain(console)

    changed = await sync_to_async(conversation_context.conversation_context_set)(
        conversation=conversation, context={"order_id": "1042", "table": "12"}
    )
    assert changed
    # The header and the row in one frame: this console watches the conversation.
    html = await sockets.receive_html_until(console, 'id="conversation-order"')
    header, row = html.split(f'<li id="conv-row-{conversation.pk}"')
    assert "Order 1042" in header and "Table 12" in header
    assert "Order 1042" in row and "Table 12" in row
    assert await sockets.drain(visitor) == []

    # The same context again: nothing written, nothing sent.
    again = await sync_to_async(conversation_context.conversation_context_set)(
        conversation=conversation, context={"order_id": "1042"}
    )
    assert not again
    assert await sockets.drain(console) == []
    await visitor.disconnect()
    await console.disconnect()
