"""A blocked visitor's socket send is answered `message.accepted` and nothing is stored."""

from asgiref.sync import sync_to_async

from support import services as support_services
from support.models import Message
from tests import factories, sockets

pytestmark = sockets.SOCKET_TESTS


def blocked_visitor():
    contact, token = factories.visitor()
    conversation = factories.conversation(contact=contact)
    agent = factories.agent()
    support_services.contact_block(conversation=conversation, by_user=agent.user, reason="spam")
    return token, conversation


async def test_a_blocked_visitors_send_is_accepted_and_not_stored(in_memory_layer):
    token, conversation = await sync_to_async(blocked_visitor)()
    before = await sync_to_async(Message.objects.filter(conversation=conversation).count)()
    socket = await sockets.visitor_socket(token)
    await socket.send_json_to(
        {"type": "message.send", "conversation": conversation.pk, "client_id": "z1", "body": "x"}
    )
    frame = await socket.receive_json_from(timeout=5)
    while frame["type"] != "message.accepted":
        frame = await socket.receive_json_from(timeout=5)
    assert frame == {"type": "message.accepted", "client_id": "z1"}
    after = await sync_to_async(Message.objects.filter(conversation=conversation).count)()
    assert after == before
    await socket.disconnect()
