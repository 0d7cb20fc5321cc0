"""Read marks of a process's sockets that arrive while a write is under way go together in one
database call (chat/read_marks.py); each socket still gets its own mark stored, in order."""

import asyncio

from asgiref.sync import sync_to_async

from support import services as support_services
from support.models import Conversation
from tests import factories, sockets
from tests.chat.test_backlog import database_thread_held

pytestmark = sockets.SOCKET_TESTS


def replied_conversation():
    _contact, token, conversation = sockets.make_visitor_with_conversation()
    reply = factories.message(conversation=conversation, sender_type="bot", body="Refund sent")
    return token, conversation, reply


async def test_marks_that_arrive_together_are_written_in_one_call(in_memory_layer, monkeypatch):
    calls = []
    write = support_services.conversation_marks_read

    def counted(*, marks):
        calls.append(len(marks))
        return write(marks=marks)

    monkeypatch.setattr(support_services, "conversation_marks_read", counted)
    visitors = []
    for _ in range(3):
        token, conversation, reply = await sync_to_async(replied_conversation)()
        socket = await sockets.visitor_socket(token)
        await socket.send_json_to({"type": "subscribe", "conversation": conversation.pk})
        await sockets.receive_until(socket, lambda f: f["type"] == "conversation.updated")
        visitors.append((socket, conversation, reply))

    async with database_thread_held():
        for socket, conversation, reply in visitors:
            await socket.send_json_to(
                {"type": "read", "conversation": conversation.pk, "up_to": reply.pk}
            )
        await asyncio.sleep(0.2)  # every frame is in; the marks wait behind the held call
    for socket, _conversation, _reply in visitors:
        await socket.send_json_to({"type": "ping"})
        # Frames in order: the pong comes after the socket's own mark is stored.
        await sockets.receive_until(socket, lambda f: f["type"] == "pong")

    def marks():
        return [
            Conversation.objects.get(pk=conversation.pk).visitor_last_read_id
            for _socket, conversation, _reply in visitors
        ]

    assert await sync_to_async(marks)() == [reply.pk for _socket, _c, reply in visitors]
    # The first may have gone on its own before the others came in; the rest went together.
    assert sum(calls) == 3 and len(calls) <= 2, calls
    for socket, _conversation, _reply in visitors:
        await socket.disconnect()
