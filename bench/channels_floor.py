"""The floor of our own stack: a bare Channels consumer that persists (`--baseline channels`).

bench/realtime.py serves this module with the same server as Destek (uvicorn, as many
processes, the same flags), the same channel layer class and configuration (the Redis pub/sub
layer of config/settings.py) and the same database settings (PostgreSQL through Django, its
connection pool) and thread pattern: one `database_sync_to_async` call per message doing one
`INSERT ... ON CONFLICT DO NOTHING` into a table of its own (`floor_message`, created by
bench/realtime.py), then one
`group_send` to the pair's group, whose two sockets sit on different processes as Destek's
visitor and console sockets do. It authenticates nothing, renders nothing, counts nothing.

It speaks the persisting relay's little protocol (bench/realtime.py RelayTarget): the first
frame says `{"role": "visitor" | "agent", "pair": N}` and is answered `{"type": "ready"}`; each
`{"type": "message.send", "client_id", "body"}` is stored, then sent to both sockets of the pair
as `{"type": "message.new", "message": {"client_id", "body", "sender"}}` (the sender's copy is
its acknowledgement).

Environment: BENCH_FLOOR_DATABASE_URL, REDIS_URL, CHANNEL_LAYER_PREFIX. Never part of the
product: nothing imports it but the bench's server processes.
"""

import gc
import json
import os

import dj_database_url
import django
from django.conf import settings

INSERT_SQL = (
    "INSERT INTO floor_message (pair, client_id, sender, body) "
    "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING"
)

if not settings.configured:
    database = dj_database_url.parse(os.environ["BENCH_FLOOR_DATABASE_URL"], conn_max_age=0)
    # As config/settings.py: Django's psycopg pool, CONN_MAX_AGE 0.
    database.setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": int(os.environ.get("DB_POOL_MAX_SIZE", "20")),
        "timeout": 10,
    }
    settings.configure(
        DEBUG=False,
        USE_TZ=True,
        SECRET_KEY=os.environ["SECRET_KEY"],  # signs nothing here
        INSTALLED_APPS=[],
        DATABASES={"default": database},
        CHANNEL_LAYERS={
            "default": {
                "BACKEND": "config.channel_layers.PipelinedPubSubChannelLayer",
                "CONFIG": {
                    "hosts": [{"address": os.environ["REDIS_URL"], "socket_timeout": None}],
                    "prefix": os.environ.get("CHANNEL_LAYER_PREFIX", "floor"),
                },
            }
        },
    )
    django.setup()

from channels.consumer import get_handler_name  # noqa: E402 - needs the settings above
from channels.db import database_sync_to_async  # noqa: E402
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.db import connection  # noqa: E402
from django.urls import path  # noqa: E402


def message_store(*, pair: int, client_id: str, sender: str, body: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(INSERT_SQL, [pair, client_id, sender, body])


class FloorConsumer(AsyncWebsocketConsumer):
    pair = None
    role = None

    async def dispatch(self, message):
        # As Destek's consumers (chat.consumers.JsonFrameConsumer.dispatch): no thread hop to
        # close old connections before every frame and event; the database call does it.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    def group(self) -> str:
        return f"floor.{self.pair}"

    async def disconnect(self, code):
        if self.pair is not None:
            await self.channel_layer.group_discard(self.group(), self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        frame = json.loads(text_data)
        if self.pair is None:
            self.pair, self.role = int(frame["pair"]), frame["role"]
            await self.channel_layer.group_add(self.group(), self.channel_name)
            await self.send(text_data='{"type":"ready"}')
            return
        message = {"client_id": frame["client_id"], "body": frame["body"], "sender": self.role}
        await database_sync_to_async(message_store)(pair=self.pair, **message)
        await self.channel_layer.group_send(
            self.group(), {"type": "floor.message", "message": message}
        )

    async def floor_message(self, event):
        await self.send(
            text_data=json.dumps(
                {"type": "message.new", "message": event["message"]}, separators=(",", ":")
            )
        )


application = ProtocolTypeRouter({"websocket": URLRouter([path("", FloorConsumer.as_asgi())])})

# As config/asgi.py: what is imported lives as long as the process.
gc.collect()
gc.freeze()
