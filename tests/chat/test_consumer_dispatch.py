"""Live events reach a socket without a thread hop each (channels' dispatch would add one)."""

import pytest
from asgiref import sync
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.db import connections

from chat import realtime
from config.routing import websocket_urlpatterns
from tests import factories

pytestmark = [pytest.mark.django_db(transaction=True)]


async def test_group_events_reach_the_visitor_without_a_thread_hop_each(
    in_memory_layer, monkeypatch
):
    contact, token = await sync_to_async(factories.visitor)()
    socket = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/widget/")
    assert (await socket.connect())[0]
    await socket.send_json_to({"type": "auth", "visitor_token": token})
    assert (await socket.receive_json_from(timeout=5))["type"] == "auth.ok"
    hops = []
    real_call = sync.SyncToAsync.__call__

    async def counting_call(self, *args, **kwargs):
        hops.append(self.func)
        return await real_call(self, *args, **kwargs)

    monkeypatch.setattr(sync.SyncToAsync, "__call__", counting_call)

    layer = get_channel_layer()
    for n in range(5):
        frame = {"type": "typing", "conversation": n + 1, "state": True}
        await layer.group_send(realtime.visitor_group(contact.pk), realtime.visitor_event(frame))
    frames = [await socket.receive_json_from(timeout=5) for _ in range(5)]

    assert [f["conversation"] for f in frames] == [1, 2, 3, 4, 5]
    assert hops == []
    monkeypatch.undo()
    await socket.disconnect()
    await sync_to_async(connections.close_all)()
