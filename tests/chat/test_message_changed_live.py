"""An edited message reaches the visitor's socket as `message.updated`, in place."""

from asgiref.sync import sync_to_async

from support import services as support_services
from tests import factories, sockets

pytestmark = sockets.SOCKET_TESTS


def reply():
    contact, token = factories.visitor()
    conversation = factories.conversation(contact=contact)
    agent = factories.agent()
    message = factories.message(
        conversation=conversation, sender_type="agent", agent_user=agent.user, body="Tomorow"
    )
    return agent, token, message


async def test_the_visitor_sees_an_edit_live(in_memory_layer):
    agent, token, message = await sync_to_async(reply)()
    socket = await sockets.visitor_socket(token)
    await sync_to_async(support_services.message_edit)(
        profile=agent, message_id=message.pk, body="Tomorrow"
    )
    frame = await sockets.receive_until(socket, lambda f: f["type"] == "message.updated")
    assert frame["message"]["id"] == message.pk
    assert frame["message"]["body"] == "Tomorrow" and frame["message"]["edited_at"]
    await socket.disconnect()
