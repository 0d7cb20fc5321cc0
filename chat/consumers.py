"""Websocket consumers: thin. They parse frames, check access, call one service or selector.

VisitorConsumer speaks the widget protocol (JSON, docs/protocol.md); ConsoleConsumer pushes
server-rendered HTML fragments to the agent console (htmx ws extension).
"""

import asyncio
import json
import logging
import math
import time
from collections import deque
from datetime import timedelta
from urllib.parse import urlsplit

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.http.request import is_same_domain, split_domain_port, validate_host
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from support import edge, errors, languages
from support import selectors as support_selectors
from support import services as support_services
from support.models import Contact, Conversation, Message

from . import protocol, realtime, selectors
from .backlog import PUT_OFF_SHARE, backlog, database_sync_to_async, retry_after_ms

logger = logging.getLogger("destek.consumers")

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
# _message_send's answer for a blocked visitor's message (support.services.blocks).
BLOCKED = object()
CLOSE_RATE_LIMITED = 4429
AUTH_TIMEOUT_SECONDS = 10
MAX_FRAME_BYTES = 64 * 1024
RESUME_BATCH = 500
HEARTBEAT_WRITE_SECONDS = 15
CONTACT_TOUCH_SECONDS = 60
GAP_SETTLE_SECONDS = 3
# How stale an open console socket's sign-in may be when it writes (a reply) or pings. A
# sign-out or a deactivation closes the socket at once (chat/signals.py); this re-check catches
# what is not announced (a password changed elsewhere, an expired session) and an announcement
# the channel layer lost. Checking at every reply cost ~7% of server CPU under load.
SESSION_RECHECK_SECONDS = 60


class FrameRateLimiter:
    """At most `limit` frames per `window` seconds; far beyond it is abuse."""

    def __init__(self, *, limit: int, window: float):
        self.limit = limit
        self.window = window
        self.stamps: deque[float] = deque()

    def hit(self) -> str:
        now = limit_clock()
        self._expire(now)
        self.stamps.append(now)
        if len(self.stamps) > self.limit * 3:
            return "abuse"
        if len(self.stamps) > self.limit:
            return "limited"
        return "ok"

    def idle(self) -> bool:
        self._expire(limit_clock())
        return not self.stamps

    def _expire(self, now: float) -> None:
        while self.stamps and now - self.stamps[0] > self.window:
            self.stamps.popleft()


# The frame limits' clock (a module attribute, so a test can play an agent's minutes at once).
limit_clock = time.monotonic
VERDICT_RANK = {"ok": 0, "limited": 1, "abuse": 2}


class ConversationFrameLimits:
    """A console socket's budgets per conversation a frame names: a widget socket's (its
    messages and other frames; read marks and typing apart), so an agent working twenty
    conversations has each one's, and a flood into one conversation is refused as a visitor's
    would be. A frame naming no conversation (or past the conversations tracked) shares one."""

    MAX_TRACKED = 200

    def __init__(self, *, frames: int, signal_frames: int, window: float):
        self.frames = frames
        self.signal_frames = signal_frames
        self.window = window
        self.limiters: dict[tuple[int | None, bool], FrameRateLimiter] = {}

    def hit(self, frame, *, is_signal: bool) -> str:
        conversation = frame.get("conversation") if isinstance(frame, dict) else None
        key = (_positive_int(conversation), is_signal)
        limiter = self.limiters.get(key)
        if limiter is None:
            if len(self.limiters) >= self.MAX_TRACKED:
                self.limiters = {k: v for k, v in self.limiters.items() if not v.idle()}
            if len(self.limiters) >= self.MAX_TRACKED:
                key = (None, is_signal)
            limit = self.signal_frames if is_signal else self.frames
            limiter = self.limiters.setdefault(
                key, FrameRateLimiter(limit=limit, window=self.window)
            )
        return limiter.hit()


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def origin_is_allowed(scope, widget) -> bool:
    """Native apps send no Origin; browsers must come from our host or an allowed origin."""
    origin = _header(scope, b"origin")
    if not origin:
        return True
    host = _header(scope, b"host") or ""
    return support_selectors.widget_origin_is_allowed(widget=widget, origin=origin, host=host)


def console_origin_is_allowed(scope) -> bool:
    """The console socket signs in with the agent's session cookie, which browsers also send
    from sibling subdomains (SameSite=Lax): a page may open it only from this site's own
    origin (the host it asked for, if one of ALLOWED_HOSTS) or one of CSRF_TRUSTED_ORIGINS,
    the origins Django accepts for the console's POSTs. No Origin means no browser, so no page
    of someone else's can be driving it."""
    origin = _header(scope, b"origin")
    if origin is None:
        return True
    origin = origin.strip().lower()
    host = (_header(scope, b"host") or "").strip().lower()
    scheme = "https" if scope.get("scheme") in ("wss", "https") else "http"
    allowed_hosts = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed_hosts:
        allowed_hosts = [".localhost", "127.0.0.1", "[::1]"]  # as Django's get_host()
    domain, _port = split_domain_port(host)
    if domain and validate_host(domain, allowed_hosts) and origin == f"{scheme}://{host}":
        return True
    trusted = [o.lower() for o in settings.CSRF_TRUSTED_ORIGINS]
    if origin in trusted:
        return True
    parts = urlsplit(origin)
    return any(
        is_same_domain(parts.netloc, urlsplit(pattern).netloc.lstrip("*"))
        for pattern in trusted
        if "*" in pattern and urlsplit(pattern).scheme == parts.scheme
    )


def _positive_int(value) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


# Read marks and typing: clients coalesce them (the newest read id per burst, typing once
# per state change or few seconds), and they are counted in a budget of their own, so an agent
# reading many busy conversations is never refused a reply; far past it still closes the socket.
SIGNAL_FRAME_TYPES = frozenset({"read", "typing"})


class JsonFrameConsumer(AsyncWebsocketConsumer):
    """Shared frame handling: size and rate limits, JSON decoding, error frames."""

    async def dispatch(self, message):
        # Channels runs close_old_connections in a worker thread before every handler: a
        # thread hop for each frame and each group event (~5% of server CPU under load). Every
        # database call here goes through database_sync_to_async, which already does it in its
        # own thread, before and after.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        self.start_frame_limits()
        # Read marks put off by overload: the newest per (conversation, contact).
        self.reads_put_off: dict[tuple[int, int], int] = {}
        # The newest read mark this socket wrote per conversation: an older or equal one is
        # not written again.
        self.reads_written: dict[int, int] = {}
        await self.accept()

    def start_frame_limits(self) -> None:
        """A widget socket's budgets (settings.DESTEK): its frames, and apart from them its read
        marks and typing."""
        window = settings.DESTEK["SOCKET_FRAME_WINDOW_SECONDS"]
        self.limiter = FrameRateLimiter(
            limit=settings.DESTEK["SOCKET_FRAMES_PER_WINDOW"], window=window
        )
        self.signal_limiter = FrameRateLimiter(
            limit=settings.DESTEK["SOCKET_SIGNAL_FRAMES_PER_WINDOW"], window=window
        )

    def frame_verdict(self, frame, *, is_signal: bool) -> str:
        """ok, limited (an error frame) or abuse (the socket closes)."""
        return (self.signal_limiter if is_signal else self.limiter).hit()

    async def receive(self, text_data=None, bytes_data=None):
        if text_data is None or len(text_data) > MAX_FRAME_BYTES:
            frame = None
        else:
            try:
                frame = edge.json_parse(text_data)
            except errors.InvalidInput:
                frame = None
        client_id = frame.get("client_id") if isinstance(frame, dict) else None
        client_id = client_id if isinstance(client_id, str) else None
        is_signal = isinstance(frame, dict) and frame.get("type") in SIGNAL_FRAME_TYPES
        verdict = self.frame_verdict(frame, is_signal=is_signal)
        if verdict == "abuse":
            await self.close(code=CLOSE_RATE_LIMITED)
            return
        if verdict == "limited":
            # The client_id tells the sender which message to send again later.
            await self.send_error("rate_limited", "Too many frames; slow down.", client_id)
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self.send_error(
                "bad_frame", "A frame is a JSON object with a type, at most 64 KB.", client_id
            )
            return
        try:
            edge.text_check(frame)  # before any handler: nothing stored, the socket stays
            await self.handle_frame(frame)
        except errors.RateLimited as error:
            # A send refused by the limit it shares with HTTP: when it may be sent again (ms).
            await self.send_error(
                error.code, error.detail, client_id, retry_after=(error.retry_after or 1) * 1000
            )
        except errors.DomainError as error:
            await self.send_error(error.code, error.detail, client_id=client_id)

    async def send_json(self, content: dict):
        await self.send(text_data=json.dumps(content, separators=(",", ":")))

    async def send_error(
        self, code: str, detail: str, client_id: str | None = None, retry_after: int | None = None
    ):
        frame = {"type": "error", "code": code, "detail": detail, "client_id": client_id}
        if retry_after is not None:
            frame["retry_after"] = retry_after
        await self.send_json(frame)

    async def handle_frame(self, frame: dict):
        raise NotImplementedError

    async def send_overloaded(self, frame: dict, *, retry_after: float, detail: str) -> None:
        """A message refused under overload (chat/backlog.py): nothing was stored; the client
        sends it again with its client_id after `retry_after` seconds."""
        client_id = frame.get("client_id")
        await self.send_json(
            {
                "type": "error",
                "code": "overloaded",
                "detail": detail,
                "client_id": client_id if isinstance(client_id, str) else None,
                "retry_after": math.ceil(retry_after * 1000),
            }
        )

    async def mark_read(self, conversation: Conversation, up_to) -> None:
        """Write a read mark. Overloaded, keep it for the next ping instead: a mark only moves
        forward and clients do not send it again, so only the newest one matters."""
        if _positive_int(up_to) is not None and up_to <= self.reads_written.get(conversation.pk, 0):
            return  # marks only move forward: this one changes nothing
        if backlog.full(share=PUT_OFF_SHARE) and _positive_int(up_to) is not None:
            key = (conversation.pk, conversation.contact_id)
            self.reads_put_off[key] = max(up_to, self.reads_put_off.get(key, 0))
            return
        written = await database_sync_to_async(support_services.conversation_mark_read)(
            conversation=conversation, side=self.read_side, up_to=up_to
        )
        if written is not None:
            # What was stored (never past the newest message), not what was asked.
            self.reads_written[conversation.pk] = written

    async def catch_up(self) -> bool:
        """At a ping: write what overload put off, unless it still holds (then False, and the
        ping's other database work waits for the next one too)."""
        if backlog.full(share=PUT_OFF_SHARE):
            return False
        reads, self.reads_put_off = self.reads_put_off, {}
        for (conversation_id, contact_id), up_to in reads.items():
            await self.mark_read(Conversation(pk=conversation_id, contact_id=contact_id), up_to)
        return True


class VisitorConsumer(JsonFrameConsumer):
    read_side = "visitor"
    # Only the id is kept (not the Contact and its Widget): memory per idle socket.
    contact_id = None
    # Overload (refused()): until when this socket's messages are refused.
    refused_until = 0.0

    async def connect(self):
        await super().connect()
        self.auth_deadline = asyncio.get_running_loop().call_later(
            AUTH_TIMEOUT_SECONDS, lambda: asyncio.ensure_future(self._auth_timeout())
        )

    async def _auth_timeout(self):
        if self.contact_id is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)

    async def disconnect(self, code):
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
        self.last_touch = time.monotonic()
        await database_sync_to_async(support_services.contact_touch)(contact_id=contact.pk)
        self.own_conversation_ids: set[int] = set()
        # Gap filling (fill_gaps): where the client resumed, per conversation, and what
        # this socket has sent it since.
        self.resumed_after: dict[int, int] = {}
        self.sent_ids: dict[int, set[int]] = {}
        # The newest read mark this socket sent, per conversation: the group event that
        # tells the visitor's other sockets is not sent back to it.
        self.own_read_marks: dict[int, int] = {}
        await self.channel_layer.group_add(realtime.visitor_group(contact.pk), self.channel_name)
        await self.send_json(
            {"type": "auth.ok", "contact": {"id": contact.pk, "identified": contact.identified}}
        )

    async def conversation(self, frame: dict):
        conversation_id = _positive_int(frame.get("conversation"))
        if conversation_id is None:
            raise errors.InvalidInput(_("conversation must be a conversation id."))
        return await database_sync_to_async(support_selectors.conversation_get_for_contact)(
            contact=Contact(pk=self.contact_id), conversation_id=conversation_id
        )

    async def owns(self, conversation_id) -> bool:
        """Ownership check without a query per typing frame."""
        conversation_id = _positive_int(conversation_id)
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
        after = _positive_int(frame.get("after", 0))
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
        conversation_id = _positive_int(frame.get("conversation"))
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
                conversation=Conversation(pk=conversation_id, contact_id=self.contact_id),
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
        conversation_id = _positive_int(frame.get("conversation"))
        if conversation_id is None:
            raise errors.InvalidInput(_("conversation must be a conversation id."))
        if not await self.owns(conversation_id):
            raise errors.NotFound(_("No such conversation."))
        conversation = Conversation(pk=conversation_id, contact_id=self.contact_id)
        up_to = _positive_int(frame.get("up_to"))
        if up_to is not None:
            self.own_read_marks[conversation_id] = max(
                up_to, self.own_read_marks.get(conversation_id, 0)
            )
        await self.mark_read(conversation, frame.get("up_to"))

    async def on_ping(self, frame: dict):
        # Overloaded, the pong comes at once (the widget reconnects when it waits too long).
        if await self.catch_up():
            await self.fill_gaps()
        await self.send_json({"type": "pong"})

    def delivered(self, message: dict) -> bool:
        """Note a message sent to this client; False if it already had it."""
        ids = self.sent_ids.setdefault(message.get("conversation"), set())
        if message.get("id") in ids:
            return False
        ids.add(message.get("id"))
        return True

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

    async def visitor_frame(self, event: dict):
        frame = event["frame"]
        is_message = frame.get("type") == "message.new" and isinstance(frame.get("message"), dict)
        if is_message and not self.delivered(frame["message"]):
            return  # already sent here (the sender's own acknowledgement)
        if (
            frame.get("type") == "read"
            and frame.get("reader") == "visitor"
            and isinstance(frame.get("up_to"), int)
            and frame["up_to"] <= self.own_read_marks.get(frame.get("conversation"), 0)
        ):
            return  # this socket's own mark (a frame per message the visitor reads)
        await self.send_json(frame)


class ConsoleConsumer(JsonFrameConsumer):
    """The agent console's live channel: inbox rows and the watched conversation."""

    read_side = "agent"
    profile = None
    watched_id = None
    language = settings.LANGUAGE_CODE

    async def connect(self):
        if not console_origin_is_allowed(self.scope):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.profile = await database_sync_to_async(support_selectors.agent_profile_for_user)(
            self.scope.get("user")
        )
        if self.profile is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        # Fragments come in every language (chat.realtime); this socket shows its agent's.
        self.language = languages.agent_language(
            profile=self.profile,
            browser=languages.browser_language(
                cookie=self.scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME),
                accept_language=_header(self.scope, b"accept-language"),
            ),
        )
        self.groups_joined = await database_sync_to_async(self._inbox_groups)()
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await super().connect()
        # Channels checked the session just now, when the socket connected.
        self.session_checked_at = time.monotonic()
        self.last_heartbeat = 0.0
        await self.heartbeat()

    def start_frame_limits(self) -> None:
        """Signed-in staff working many conversations at once: each conversation gets a widget
        socket's budgets, under one ceiling for every frame of the socket."""
        window = settings.DESTEK["SOCKET_FRAME_WINDOW_SECONDS"]
        self.limiter = FrameRateLimiter(
            limit=settings.DESTEK["CONSOLE_SOCKET_FRAMES_PER_WINDOW"], window=window
        )
        self.conversation_limits = ConversationFrameLimits(
            frames=settings.DESTEK["SOCKET_FRAMES_PER_WINDOW"],
            signal_frames=settings.DESTEK["SOCKET_SIGNAL_FRAMES_PER_WINDOW"],
            window=window,
        )

    def frame_verdict(self, frame, *, is_signal: bool) -> str:
        socket = self.limiter.hit()
        conversation = self.conversation_limits.hit(frame, is_signal=is_signal)
        return max(socket, conversation, key=VERDICT_RANK.__getitem__)

    async def heartbeat(self):
        """Presence for automatic assignment; written at most every 15 s per socket."""
        now = time.monotonic()
        if now - self.last_heartbeat >= HEARTBEAT_WRITE_SECONDS:
            self.last_heartbeat = now
            await database_sync_to_async(support_services.agent_heartbeat)(profile=self.profile)

    def _inbox_groups(self) -> list[str]:
        # Everyone's own group also carries what is for them alone (mentions).
        own = realtime.console_agent_group(self.profile.user_id)
        if self.profile.is_supervisor:
            return [realtime.CONSOLE_SUPERVISORS, own]
        groups = [realtime.CONSOLE_UNROUTED, own]
        groups += [
            realtime.console_team_group(t) for t in self.profile.teams.values_list("id", flat=True)
        ]
        return groups

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        if getattr(self, "groups_joined", None):
            # Gone now for assignment and the bot's promises (the agent's other consoles
            # answer with a heartbeat, console_heartbeat).
            await database_sync_to_async(support_services.agent_console_closed)(
                profile=self.profile
            )

    async def console_heartbeat(self, event: dict):
        """Another console of this agent closed: this one is still here."""
        self.last_heartbeat = 0.0
        await self.heartbeat()

    async def receive(self, text_data=None, bytes_data=None):
        # What this socket renders or says itself (resumed messages, errors) is in its
        # agent's language; the database thread inherits it (asgiref's context-local).
        with translation.override(self.language):
            await super().receive(text_data=text_data, bytes_data=bytes_data)

    async def handle_frame(self, frame: dict):
        handler = {
            "watch": self.on_watch,
            "message.send": self.on_message_send,
            "typing": self.on_typing,
            "read": self.on_read,
            "ping": self.on_ping,
        }.get(frame["type"])
        if handler is None:
            await self.send_error("unknown_type", f"Unknown frame type {frame['type']!r}.")
            return
        await handler(frame)

    async def send_error(
        self, code: str, detail: str, client_id: str | None = None, retry_after: int | None = None
    ):
        if client_id is not None:
            # About a frame the page is waiting on (a reply): JSON for console.js, as the
            # widget protocol's errors; the page shows it where the reply was written.
            await super().send_error(code, detail, client_id, retry_after)
            return
        html = render_to_string("console/oob_error.html", {"code": code, "detail": detail})
        await self.send(text_data=html)

    def session_still_valid(self, *, max_age: float) -> bool:
        """Runs in the database thread. Re-checks the sign-in when older than `max_age`."""
        now = time.monotonic()
        if now - self.session_checked_at < max_age:
            return True
        session = self.scope.get("session")
        user = support_selectors.agent_user_for_session(getattr(session, "session_key", None))
        if user is None or user.pk != self.profile.user_id:
            return False
        self.session_checked_at = now
        return True

    async def on_message_send(self, frame: dict):
        """An agent's reply, as the reply POST does it (access, then `message_send`); the page
        falls back to that POST when the socket is not open or no answer comes."""
        if backlog.full():
            # Refused before any query (chat/backlog.py); the composer keeps the text and its
            # client_id and sends it again after retry_after, which stores it once.
            await self.send_overloaded(
                frame,
                retry_after=retry_after_ms() / 1000,
                detail=_("The server is busy; the message will be sent again shortly."),
            )
            return
        outcome = await database_sync_to_async(self._message_send)(frame)
        if outcome is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        message, _created = outcome
        # The message itself arrives like everyone else's, as the watched conversation's
        # fragment; this tells the composer its text is safe and may be cleared.
        await self.send_json({"type": "message.sent", "client_id": message.client_id})

    def _message_send(self, frame: dict):
        if not self.session_still_valid(max_age=SESSION_RECHECK_SECONDS):
            return None
        # Whether this agent may see the conversation is checked by message_send's lock.
        conversation_id = support_selectors.conversation_id_clean(frame.get("conversation"))
        return support_services.message_send(
            conversation=Conversation(pk=conversation_id),
            sender_type=Message.SenderType.AGENT,
            agent=self.profile.user,
            body=frame.get("body", ""),
            client_id=frame.get("client_id"),
            attachments=frame.get("attachments"),
            visible_to=self.profile,
        )

    async def on_watch(self, frame: dict):
        conversation = await database_sync_to_async(support_selectors.conversation_get_for_agent)(
            profile=self.profile, conversation_id=frame.get("conversation")
        )
        after = _positive_int(frame.get("after", 0)) or 0
        # Older pages send no notes_after: they get no notes (they cannot show them).
        notes_after = _positive_int(frame.get("notes_after"))
        if self.watched_id is not None and self.watched_id != conversation.pk:
            await self.channel_layer.group_discard(
                realtime.console_conversation_group(self.watched_id), self.channel_name
            )
        if self.watched_id != conversation.pk:
            # Gap filling (fill_gaps): where the page resumed, and what was sent since.
            self.watch_after, self.watch_sent = after, set()
        self.watch_after = min(self.watch_after, after)
        # Ids only, not the conversation and its related rows: memory per idle socket.
        self.watched_id, self.watched_contact_id = conversation.pk, conversation.contact_id
        await self.channel_layer.group_add(
            realtime.console_conversation_group(conversation.pk), self.channel_name
        )
        messages = await database_sync_to_async(support_selectors.message_objects_after)(
            conversation=conversation, after=after, limit=RESUME_BATCH
        )
        await self.send_messages(conversation, messages)
        if notes_after is not None:
            # Internal notes the page missed while its socket was away.
            notes = await database_sync_to_async(support_selectors.note_list_for_conversation)(
                conversation=conversation, after=notes_after, limit=RESUME_BATCH
            )
            if notes:
                html = await database_sync_to_async(render_to_string)(
                    "console/oob_messages.html",
                    {"messages": notes, "conversation": conversation},
                )
                await self.send(text_data=html)

    async def send_messages(self, conversation, messages) -> None:
        if not messages:
            return
        html = await database_sync_to_async(render_to_string)(
            "console/oob_messages.html",
            {"messages": messages, "conversation": conversation},
        )
        self.watch_sent |= {m.pk for m in messages}
        await self.send(text_data=html)

    async def fill_gaps(self):
        """As VisitorConsumer.fill_gaps: messages of the watched conversation, settled, newer
        than where the page resumed, whose live fragment never reached this socket."""
        if self.watched_id is None:
            return
        settled = timezone.now() - timedelta(seconds=GAP_SETTLE_SECONDS)
        recent = await database_sync_to_async(selectors.message_recent_ids)(
            conversation_ids=[self.watched_id], settled_before=settled
        )
        ids = recent.get(self.watched_id, [])
        missing = [i for i in ids if i > self.watch_after and i not in self.watch_sent]
        if missing:
            # Rare (live events lost): the conversation is loaded again, access checked too.
            conversation = await database_sync_to_async(
                support_selectors.conversation_get_for_agent
            )(profile=self.profile, conversation_id=self.watched_id)
            messages = await database_sync_to_async(selectors.message_objects_by_ids)(
                conversation=conversation, ids=missing
            )
            await self.send_messages(conversation, messages)
        if ids:
            self.watch_sent = {i for i in self.watch_sent if i >= ids[0]}

    def _watching(self, frame: dict) -> bool:
        return self.watched_id is not None and frame.get("conversation") == self.watched_id

    async def on_typing(self, frame: dict):
        if not self._watching(frame):
            raise errors.NotFound(_("Watch the conversation first."))
        await realtime.typing_from_agent(
            conversation_id=self.watched_id,
            contact_id=self.watched_contact_id,
            agent_name=self.profile.name,
            state=bool(frame.get("state")),
        )

    async def on_read(self, frame: dict):
        if not self._watching(frame):
            raise errors.NotFound(_("Watch the conversation first."))
        await self.mark_read(
            Conversation(pk=self.watched_id, contact_id=self.watched_contact_id),
            frame.get("up_to"),
        )

    async def on_ping(self, frame: dict):
        # The age is checked here first: no hop to the database thread for a recent check
        # (a ping must not wait behind an overloaded one).
        recheck = time.monotonic() - self.session_checked_at >= SESSION_RECHECK_SECONDS
        if recheck and not await database_sync_to_async(self.session_still_valid)(
            max_age=SESSION_RECHECK_SECONDS
        ):
            # Signed out (or deactivated) elsewhere: the live inbox stops here too.
            await self.close(code=CLOSE_FORBIDDEN)
            return
        # Presence is written even overloaded: a console that looks gone loses its chats.
        await self.heartbeat()
        if await self.catch_up():
            await self.fill_gaps()
        await self.send(text_data="<!-- pong -->")

    async def console_sign_in_ended(self, event: dict):
        own = getattr(self.scope.get("session"), "session_key", None)
        if event.get("session_key") in (None, own):
            await self.close(code=CLOSE_FORBIDDEN)

    async def console_html(self, event: dict):
        if event.get("message_id") is not None and self.watched_id is not None:
            self.watch_sent.add(event["message_id"])
        html = event["html"]
        if isinstance(html, dict):  # one per language (chat.realtime.console_event)
            html = html.get(self.language) or html[settings.LANGUAGE_CODE]
        await self.send(text_data=html)
