"""Live console fragments reach each socket in its agent's language, whoever made the change
and whatever language the publishing thread had."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import translation

from config import routing
from console import realtime
from support.models import Conversation
from tests import factories, sockets

pytestmark = sockets.SOCKET_TESTS


async def console(user, accept_language: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(
        sockets.application,
        "/ws/console/",
        headers=[(b"accept-language", accept_language.encode())],
    )
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def header_fragment(communicator) -> str:
    while True:
        html = await communicator.receive_from(timeout=5)
        if "#conversation-header" in html:
            return html


async def test_each_console_gets_the_header_in_its_agents_language(channel_layer_kind):
    contact, _token = await sync_to_async(factories.visitor)()
    conversation = await sync_to_async(factories.conversation)(contact=contact)
    turkish_browser = await sync_to_async(factories.agent)(role="supervisor")
    english_choice = await sync_to_async(factories.agent)(role="supervisor")
    english_choice.language = "en"
    await sync_to_async(english_choice.save)()
    turkish_user = await sync_to_async(lambda: turkish_browser.user)()
    english_user = await sync_to_async(lambda: english_choice.user)()

    consoles = [await console(turkish_user, "tr-TR,tr"), await console(english_user, "tr-TR,tr")]
    for socket in consoles:
        await socket.send_json_to({"type": "watch", "conversation": conversation.pk, "after": 0})
    await sync_to_async(
        lambda: Conversation.objects.filter(pk=conversation.pk).update(status="pending")
    )()

    def publish():
        with translation.override("en"):  # the thread of whoever made the change
            realtime.conversation_updated(conversation_id=conversation.pk)

    await sync_to_async(publish)()
    turkish, english = [await header_fragment(socket) for socket in consoles]
    assert ">Bekliyor<" in turkish and ">Çöz<" in turkish
    assert "Pending" not in turkish and "Resolve" not in turkish
    assert ">Pending<" in english and ">Resolve<" in english
    for socket in consoles:
        await socket.disconnect()


@pytest.mark.parametrize(
    ("language", "expected"),
    [("tr", "Önce konuşmayı izlemeye başlayın."), ("en", "Watch the conversation first.")],
)
async def test_a_console_signed_in_by_its_cookie_speaks_the_language_cookies_language(
    settings, language, expected
):
    """As the server runs it: the session cookie signs the socket in, and the language cookie
    beside it (the console's language switch) chooses what the socket says."""
    profile = await sync_to_async(factories.agent)()
    client = await sync_to_async(factories.logged_in)(profile)
    cookie = (
        f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}; "
        f"{settings.LANGUAGE_COOKIE_NAME}={language}"
    )
    communicator = WebsocketCommunicator(
        routing.websocket_application,
        "/ws/console/",
        headers=[(b"cookie", cookie.encode()), (b"accept-language", b"de")],
    )
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"type": "typing", "conversation": 1, "state": True})
    assert expected in await communicator.receive_from(timeout=5)
    await communicator.disconnect()
