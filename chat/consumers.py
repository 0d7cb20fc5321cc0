"""The widget's websocket: thin. It parses frames, checks access, calls one service or selector.

VisitorConsumer speaks the widget protocol (JSON, docs/protocol.md); the agent console's socket
is console.consumers.ConsoleConsumer; what both share is chat.frames.
"""

import asyncio
import logging
import time
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from support import errors
from support import selectors as support_selectors
from support import services as support_services
from support.models import Contact, Conversation
from support.orm import instance_with

from . import protocol, realtime, selectors
from .backlog import backlog, database_sync_to_async, retry_after_ms
from .frames import (
    CLOSE_FORBIDDEN,
    CLOSE_UNAUTHENTICATED,
    GAP_SETTLE_SECONDS,
    RESUME_BATCH,
    JsonFrameConsumer,
    positive_int,
    scope_header,
)

logger = logging.getLogger("destek.consumers")

# _message_send's answer for a blocked visitor's message (support.services.blocks).
BLOCKED = object()
AUTH_TIMEOUT_SECONDS = 10
CONTACT_TOUCH_SECONDS = 60


def origin_is_allowed(scope, widget) -> bool:
    """Native apps send no Origin; browsers must come from our host or an allowed origin."""
    origin = scope_header(scope, b"origin")
    if not origin:
        return True
    host = scope_header(scope, b"host") or ""
    return support_selectors.widget_origin_is_allowed(widget=widget, origin=origin, host=host)


class VisitorConsumer(JsonFrameConsumer):
    read_side = "visitor"
    # Only the id is kept (not the Contact and its Widget): memory per idle socket.
    contact_id = None
    # Overload (refused()): until when this socket's messages are refused.
    refused_until = 0.0
    # Closes a socket that does not authenticate in time (connect() to authenticate()).
    auth_deadline = None

    async def connect(self):
        await super().connect()
        self.auth_deadline = asyncio.get_running_loop().call_later(
            AUTH_TIMEOUT_SECONDS, lambda: asyncio.ensure_future(self._auth_timeout())
        )

    async def _auth_timeout(self):
        if self.contact_id is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)

    async def disconnect(self, code):
        if self.auth_deadline is not None:
            self.auth_deadline.cancel()
        if self.contact_id is not None:
            await self.channel_layer.group_discard(
                realtime.visitor_group(self.contact_id), self.channel_name
            )

    async def handle_frame(self, frame: dict):
        kind = frame["type"]
        if self.contact_id is None:
            if kind != "auth":
                await self.close(code=CLOSE_UNAUTHENTICATED)
                return
            await self.authenticate(frame)
            return
        if kind == "message.send" and await self.refused(frame):
            return
        # The token is checked again: a revoked token (session/end) or a widget that now
        # requires a verified identity ends this socket too, not only new ones.
        # message.send checks it against the rows its write locks (_message_send): no extra hop.
        recheck = kind == "subscribe" or (
            time.monotonic() - self.last_touch >= CONTACT_TOUCH_SECONDS
        )
        if recheck and not await self.still_authorised():
            return
        if time.monotonic() - self.last_touch >= CONTACT_TOUCH_SECONDS:
            self.last_touch = time.monotonic()
            await database_sync_to_async(support_services.contact_touch)(contact_id=self.contact_id)
        handler = {
            "subscribe": self.on_subscribe,
            "message.send": self.on_message_send,
            "typing": self.on_typing,
            "read": self.on_read,
            "ping": self.on_ping,
            "auth": self.on_repeated_auth,
        }.get(kind)
        if handler is None:
            await self.send_error("unknown_type", f"Unknown frame type {kind!r}.")
            return
        await handler(frame)

    async def refused(self, frame: dict) -> bool:
        """Refuse a message.send, before any database call of its own, while this process is
        overloaded (chat/backlog.py) and then until the wait this socket was told has passed:
        a later message cannot overtake the refused one, and the client sends them again in
        order (same client_ids) after retry_after."""
        now = time.monotonic()
        if now >= self.refused_until:
            if not backlog.full():
                return False
            self.refused_until = now + retry_after_ms() / 1000
        await self.send_overloaded(
            frame,
            retry_after=self.refused_until - now,
            detail=_("The server is busy; the message will be sent again shortly."),
        )
        return True

    async def _contact_for_token(self, token):
        """The token's contact, or None after closing (4401 bad token, 4403 identity needed)."""
        try:
            return await database_sync_to_async(support_selectors.contact_get_by_visitor_token)(
                token=token
            )
        except errors.NotAuthenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
        except errors.Forbidden:
            await self.close(code=CLOSE_FORBIDDEN)
        return None

    async def still_authorised(self) -> bool:
        try:
            await database_sync_to_async(support_selectors.visitor_token_check)(
                token=self.visitor_token
            )
        except errors.NotAuthenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return False
        except errors.Forbidden:
            await self.close(code=CLOSE_FORBIDDEN)
            return False
        return True

    async def authenticate(self, frame: dict):
        contact = await self._contact_for_token(frame.get("visitor_token"))
        if contact is None:
            return
        if not origin_is_allowed(self.scope, contact.widget):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.contact_id = contact.pk
        self.visitor_token = frame.get("visitor_token")
        self.auth_deadline.cancel()
        self.auth_deadline = None  # its handle and callback, for the socket's life otherwise
        self.last_touch = time.monotonic()
        await database_sync_to_async(support_services.contact_touch)(contact_id=contact.pk)
        self.own_conversation_ids: set[int] = set()
        # Gap filling (fill_gaps): where the client resumed, per conversation, and what
        # this socket has sent it since.
        self.resumed_after: dict[int, int] = {}
        self.sent_ids: dict[int, set[int]] = {}
        # How far the client knows the agent has read, per conversation: an agent's message
        # says the agent read up to it (docs/protocol.md), and so does a `read` frame sent.
        self.agent_read_known: dict[int, int] = {}
        await self.channel_layer.group_add(realtime.visitor_group(contact.pk), self.channel_name)
        await self.send_json(
            {"type": "auth.ok", "contact": {"id": contact.pk, "identified": contact.identified}}
        )

    async def conversation(self, frame: dict):
        conversation_id = positive_int(frame.get("conversation"))
        if conversation_id is None:
            raise errors.InvalidInput(_("conversation must be a conversation id."))
        return await database_sync_to_async(support_selectors.conversation_get_for_contact)(
            contact=Contact(pk=self.contact_id), conversation_id=conversation_id
        )

    async def owns(self, conversation_id) -> bool:
        """Ownership check without a query per typing frame."""
        conversation_id = positive_int(conversation_id)
        if conversation_id is None:
            return False
        if conversation_id not in self.own_conversation_ids:
            try:
                await self.conversation({"conversation": conversation_id})
            except errors.NotFound:
                return False
            self.own_conversation_ids.add(conversation_id)
        return True

    async def on_subscribe(self, frame: dict):
        conversation = await self.conversation(frame)
        self.own_conversation_ids.add(conversation.pk)
        after = positive_int(frame.get("after", 0))
        if after is None:
            raise errors.InvalidInput(_("after must be a message id."))
        messages, has_more = await database_sync_to_async(selectors.message_list_after)(
            conversation=conversation, after=after, limit=RESUME_BATCH
        )
        self.resumed_after[conversation.pk] = min(
            after, self.resumed_after.get(conversation.pk, after)
        )
        for message in messages:
            self.delivered(message)
            await self.send_json({"type": "message.new", "message": message})
        await self.send_json(
            {"type": "subscribed", "conversation": conversation.pk, "has_more": has_more}
        )
        await self.send_json(
            {
                "type": "conversation.updated",
                "conversation": await database_sync_to_async(self.conversation_now)(conversation),
            }
        )

    @staticmethod
    def conversation_now(conversation: Conversation) -> dict:
        """The conversation as the visitor sees it now: place in line and e-mail offer read
        from the database."""
        queue = support_selectors.conversation_queue_info(conversation=conversation)
        return protocol.conversation_to_dict(conversation, queue=queue)

    async def on_message_send(self, frame: dict):
        # Ownership is checked once per socket and conversation (owns()); the service then
        # locks and re-reads the row by id, so no conversation query of our own per message.
        conversation_id = positive_int(frame.get("conversation"))
        if conversation_id is None:
            raise errors.InvalidInput("conversation must be a conversation id.")
        if not await self.owns(conversation_id):
            raise errors.NotFound("No such conversation.")
        payload = await database_sync_to_async(self._message_send)(
            conversation_id,
            frame.get("body"),
            frame.get("client_id"),
            frame.get("action"),
            frame.get("attachments"),
        )
        if payload is BLOCKED:
            # A blocked visitor: as accepted, nothing more (docs/protocol.md, Blocks).
            await self.send_json({"type": "message.accepted", "client_id": frame.get("client_id")})
            return
        if isinstance(payload, int):
            await self.close(code=payload)
            return
        payload, created = payload
        # Acknowledge to the sender directly: the group event is only a hint and may be lost,
        # and a retried frame must get the first message back. A new message the group event
        # already brought to this socket is not sent twice (delivered() is False then).
        if self.delivered(payload) or not created:
            await self.send_json({"type": "message.new", "message": payload})

    def _message_send(
        self, conversation_id: int, body, client_id, action, attachments
    ) -> tuple[dict, bool] | int | object:
        """(the stored message as a frame, created), or the close code when the token no
        longer holds (checked against the rows message_send locks: no statement of its own)."""
        try:
            message, created = support_services.visitor_message_send(
                conversation=instance_with(
                    Conversation, id=conversation_id, contact_id=self.contact_id
                ),
                body=body,
                client_id=client_id,
                action=action,
                attachments=attachments,
                visitor_token=self.visitor_token,
                rate_limit=True,
            )
        except errors.NotAuthenticated:
            return CLOSE_UNAUTHENTICATED
        except errors.Forbidden:
            return CLOSE_FORBIDDEN
        except errors.Blocked:
            return BLOCKED
        return protocol.message_to_dict(message), created

    async def on_typing(self, frame: dict):
        if not await self.owns(frame.get("conversation")):
            raise errors.NotFound(_("No such conversation."))
        await realtime.typing_from_visitor(
            conversation_id=frame["conversation"], state=bool(frame.get("state"))
        )

    async def on_read(self, frame: dict):
        # Sent for every message the open widget shows: ownership from owns()' cache, no
        # conversation query of its own.
        conversation_id = positive_int(frame.get("conversation"))
        if conversation_id is None:
            raise errors.InvalidInput(_("conversation must be a conversation id."))
        if not await self.owns(conversation_id):
            raise errors.NotFound(_("No such conversation."))
        await self.mark_read(
            conversation_id=conversation_id, contact_id=self.contact_id, up_to=frame.get("up_to")
        )

    async def on_ping(self, frame: dict):
        # Overloaded, the pong comes at once (the widget reconnects when it waits too long).
        if await self.catch_up():
            await self.fill_gaps()
        await self.send_json({"type": "pong"})

    def delivered(self, message: dict) -> bool:
        """Note a message sent to this client; False if it already had it."""
        conversation_id, message_id = message.get("conversation"), message.get("id")
        ids = self.sent_ids.setdefault(conversation_id, set())
        if message_id in ids:
            return False
        ids.add(message_id)
        sender = message.get("sender")
        if isinstance(sender, dict) and sender.get("type") == "agent":
            self.agent_read_seen(conversation_id, message_id)
        return True

    def agent_read_seen(self, conversation_id, up_to) -> bool:
        """Note that the client knows the agent read up to `up_to`; False if it knew."""
        if not isinstance(up_to, int) or up_to <= self.agent_read_known.get(conversation_id, 0):
            return False
        self.agent_read_known[conversation_id] = up_to
        return True

    def read_frame_known(self, frame: dict) -> bool:
        """A `read` frame that tells this client nothing: its own mark (it sent it), or an
        agent's mark its messages from the agent already imply."""
        conversation_id, up_to = frame.get("conversation"), frame.get("up_to")
        if frame.get("reader") == "visitor":
            return self.own_read_mark(conversation_id, up_to)
        return frame.get("reader") == "agent" and not self.agent_read_seen(conversation_id, up_to)

    async def fill_gaps(self):
        """Live events are hints: a Redis outage drops some while this socket stays open, and
        newer messages would hide the gap from the client. At each ping, messages of followed
        conversations that were stored over GAP_SETTLE_SECONDS ago, are newer than where the
        client resumed and were never sent here, are sent now (clients dedupe by id)."""
        if not self.resumed_after:
            return
        settled = timezone.now() - timedelta(seconds=GAP_SETTLE_SECONDS)
        recent = await database_sync_to_async(selectors.message_recent_ids)(
            conversation_ids=self.resumed_after, settled_before=settled
        )
        missing = [
            message_id
            for conversation_id, ids in recent.items()
            for message_id in ids
            if message_id > self.resumed_after[conversation_id]
            and message_id not in self.sent_ids.get(conversation_id, ())
        ]
        if missing:
            messages = await database_sync_to_async(selectors.message_list_by_ids)(
                conversation_ids=self.resumed_after, ids=missing
            )
            for message in messages:
                self.delivered(message)
                await self.send_json({"type": "message.new", "message": message})
        # Bounded memory: only ids still inside the checked window matter.
        for conversation_id, ids in recent.items():
            if ids and conversation_id in self.sent_ids:
                self.sent_ids[conversation_id] = {
                    i for i in self.sent_ids[conversation_id] if i >= ids[0]
                }

    async def on_repeated_auth(self, frame: dict):
        await self.send_error("already_authenticated", "This socket is already authenticated.")

    async def visitor_frames(self, event: dict):
        """Several frames of one change (chat.realtime.visitor_frames_event)."""
        for frame in event["frames"]:
            await self.visitor_frame({"frame": frame})

    async def visitor_frame(self, event: dict):
        frame = event["frame"]
        is_message = frame.get("type") == "message.new" and isinstance(frame.get("message"), dict)
        if is_message and not self.delivered(frame["message"]):
            return  # already sent here (the sender's own acknowledgement)
        if frame.get("type") == "read" and self.read_frame_known(frame):
            return
        await self.send_json(frame)
