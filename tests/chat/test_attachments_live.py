"""Attachments live: a visitor's file sent over the socket reaches the agent's console as a
thumbnail, and an agent's file reaches the visitor's socket with its URLs."""

from asgiref.sync import sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from chat import attachments as attachment_services
from support import services as support_services
from tests import sockets
from tests.chat import corpus

pytestmark = sockets.SOCKET_TESTS


def upload(conversation, *, uploader_type="visitor", agent=None, data=None, name="shot.png"):
    return attachment_services.attachment_upload(
        conversation=conversation,
        uploaded_file=SimpleUploadedFile(name, data or corpus.png()),
        uploader_type=uploader_type,
        agent=agent,
    )


async def test_files_go_live_both_ways(channel_layer_kind):
    conversation, user, console, visitor = await sockets.agent_and_visitor_watching()

    shot = await sync_to_async(upload)(conversation)
    await visitor.send_json_to(
        {
            "type": "message.send",
            "conversation": conversation.pk,
            "client_id": "v-file",
            "body": "",
            "attachments": [shot.pk],
        }
    )
    ack = await sockets.receive_until(
        visitor, lambda f: f["type"] == "message.new" and f["message"]["client_id"] == "v-file"
    )
    (sent,) = ack["message"]["attachments"]
    assert sent["id"] == shot.pk and sent["name"] == "shot.png"
    assert sent["thumbnail_url"] and sent["url"]
    html = await sockets.receive_html_until(console, f"/console/attachments/{shot.pk}/thumbnail")
    assert 'class="file-thumb"' in html and "shot.png" in html

    # The same file cannot ride along a second time.
    await visitor.send_json_to(
        {"type": "message.send", "conversation": conversation.pk, "attachments": [shot.pk]}
    )
    error = await sockets.receive_until(visitor, lambda f: f["type"] == "error")
    assert error["code"] == "invalid_attachments"

    pdf = await sync_to_async(upload)(
        conversation, uploader_type="agent", agent=user, data=corpus.pdf(), name="guide.pdf"
    )
    await sync_to_async(support_services.message_send)(
        conversation=conversation,
        sender_type="agent",
        agent=user,
        body="Here is the guide",
        attachments=[pdf.pk],
    )
    reply = await sockets.receive_until(
        visitor,
        lambda f: f["type"] == "message.new" and f["message"]["body"] == "Here is the guide",
    )
    (guide,) = reply["message"]["attachments"]
    assert guide["content_type"] == "application/pdf" and guide["thumbnail_url"] is None
    response = await sync_to_async(Client().get)(guide["url"])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    await visitor.disconnect()
    await console.disconnect()
