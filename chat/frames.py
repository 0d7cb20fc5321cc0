"""What both websocket consumers share: the JSON-frame base (size and rate limits, decoding,
error frames, read marks put off by overload) and small helpers for the connection's scope.

chat.consumers.VisitorConsumer speaks the widget protocol (docs/protocol.md);
console.consumers.ConsoleConsumer pushes the agent console's HTML fragments.
"""

import json
import math
import time

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.http.cookie import parse_cookie

from support import edge, errors
from support import services as support_services
from support.models import Conversation

from .backlog import PUT_OFF_SHARE, backlog, database_sync_to_async
from .read_marks import read_mark_writer

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_RATE_LIMITED = 4429
MAX_FRAME_BYTES = 64 * 1024
RESUME_BATCH = 500
GAP_SETTLE_SECONDS = 3


class FrameRateLimiter:
    """At most `limit` frames per `window` seconds; far beyond it is abuse.

    Every socket keeps two or more for its life: slots and a plain list keep them small (a
    deque allocates a 64-slot block even empty); the list holds about 3 x limit stamps at most."""

    __slots__ = ("limit", "stamps", "window")

    def __init__(self, *, limit: int, window: float):
        self.limit = limit
        self.window = window
        self.stamps: list[float] = []

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
        stamps = self.stamps
        expired = 0
        while expired < len(stamps) and now - stamps[expired] > self.window:
            expired += 1
        del stamps[:expired]


# The frame limits' clock (a module attribute, so a test can play an agent's minutes at once).
limit_clock = time.monotonic
VERDICT_RANK = {"ok": 0, "limited": 1, "abuse": 2}


def scope_header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def scope_cookie(scope, name: str) -> str | None:
    """One cookie of the request that opened the socket, parsed when asked (not kept per
    socket)."""
    header = scope_header(scope, b"cookie")
    return parse_cookie(header).get(name) if header else None


def positive_int(value) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


# Read marks and typing: clients coalesce them (the newest read id per burst, typing once
# per state change or few seconds), and they are counted in a budget of their own, so an agent
# reading many busy conversations is never refused a reply. Past that budget they are
# coalesced here too, never refused: typing is dropped, the newest read mark waits for the
# next ping; far past it still closes the socket.
SIGNAL_FRAME_TYPES = frozenset({"read", "typing"})


class JsonFrameConsumer(AsyncWebsocketConsumer):
    """Shared frame handling: size and rate limits, JSON decoding, error frames."""

    # The frame being handled is a read mark past the socket's budget (receive()).
    reads_over_budget = False
    # Read marks put off by overload (the newest per (conversation, contact)), and the newest
    # mark this socket wrote per conversation (an older or equal one is not written again):
    # made at the socket's first read mark, not kept by every idle socket.
    reads_put_off: dict[tuple[int, int], int] | None = None
    reads_written: dict[int, int] | None = None
    # The newest mark this socket's client sent per conversation (asked, not stored): the group
    # event that tells the side's other sockets is not sent back to it (own_read_mark).
    reads_sent: dict[int, int] | None = None

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
        if verdict == "limited" and not is_signal:
            # The client_id tells the sender which message to send again later.
            await self.send_error("rate_limited", "Too many frames; slow down.", client_id)
            return
        if verdict == "limited" and frame.get("type") == "typing":
            return  # a hint: the next one says the same
        # A read mark past its budget is not refused: the newest is written at the next ping.
        self.reads_over_budget = verdict == "limited"
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
                # Rounded first: (now + 0.075) - now is 75.00000001 ms in floats, not 76.
                "retry_after": math.ceil(round(retry_after * 1000, 3)),
            }
        )

    async def mark_read(self, *, conversation_id: int, contact_id: int, up_to) -> None:
        """Write a read mark, with those of this process's other sockets that arrive
        meanwhile (chat/read_marks.py). Overloaded or past the socket's budget for read marks,
        keep it for the next ping instead: a mark only moves forward and clients do not send
        it again, so only the newest one matters."""
        if positive_int(up_to) is not None:
            if self.reads_sent is None:
                self.reads_sent = {}
            self.reads_sent[conversation_id] = max(up_to, self.reads_sent.get(conversation_id, 0))
        written_before = self.reads_written or {}
        if positive_int(up_to) is not None and up_to <= written_before.get(conversation_id, 0):
            return  # marks only move forward: this one changes nothing
        put_off = self.reads_over_budget or backlog.full(share=PUT_OFF_SHARE)
        if put_off and positive_int(up_to) is not None:
            key = (conversation_id, contact_id)
            if self.reads_put_off is None:
                self.reads_put_off = {}
            self.reads_put_off[key] = max(up_to, self.reads_put_off.get(key, 0))
            return
        if positive_int(up_to) is None:  # refused there (InvalidInput), as the client learns
            await database_sync_to_async(support_services.conversation_mark_read)(
                conversation=Conversation(pk=conversation_id, contact_id=contact_id),
                side=self.read_side,
                up_to=up_to,
            )
            return
        written = await read_mark_writer().write(
            conversation_id=conversation_id,
            contact_id=contact_id,
            side=self.read_side,
            up_to=up_to,
        )
        if written is not None:
            # What was stored (never past the newest message), not what was asked.
            if self.reads_written is None:
                self.reads_written = {}
            self.reads_written[conversation_id] = written

    def own_read_mark(self, conversation_id, up_to) -> bool:
        """Whether a mark of this socket's side, moved to `up_to`, is one this socket's client
        sent (or less): it knows it already, and getting it back cost a frame for every message
        it reads."""
        sent = (self.reads_sent or {}).get(conversation_id, 0)
        return isinstance(up_to, int) and up_to <= sent

    async def catch_up(self) -> bool:
        """At a ping: write what overload put off, unless it still holds (then False, and the
        ping's other database work waits for the next one too)."""
        if backlog.full(share=PUT_OFF_SHARE):
            return False
        reads, self.reads_put_off = self.reads_put_off or {}, None
        for (conversation_id, contact_id), up_to in reads.items():
            await self.mark_read(
                conversation_id=conversation_id, contact_id=contact_id, up_to=up_to
            )
        return True
