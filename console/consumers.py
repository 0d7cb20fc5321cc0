"""The agent console's websocket: inbox rows and the watched conversation, as HTML fragments
rendered by the console's templates (htmx ws extension; console/realtime.py renders them).
Thin: it parses frames, checks access, calls one service or selector.
"""

import time
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import is_same_domain, split_domain_port, validate_host
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from chat import realtime as chat_realtime
from chat import selectors as chat_selectors
from chat.backlog import backlog, database_sync_to_async, retry_after_ms
from chat.frames import (
    CLOSE_FORBIDDEN,
    GAP_SETTLE_SECONDS,
    RESUME_BATCH,
    VERDICT_RANK,
    FrameRateLimiter,
    JsonFrameConsumer,
    positive_int,
    scope_cookie,
    scope_header,
)
from support import errors, languages
from support import selectors as support_selectors
from support import services as support_services
from support.models import Conversation, Message
from support.orm import instance_with

from . import languages_in_use, realtime
from .inbox_batch import InboxBatch
from .views.contexts import inbox_filters_from

HEARTBEAT_WRITE_SECONDS = 15
# How stale an open console socket's sign-in may be when it writes (a reply) or pings. A
# sign-out or a deactivation closes the socket at once (console/signals.py); this re-check catches
# what is not announced (a password changed elsewhere, an expired session) and an announcement
# the channel layer lost. Checking at every reply cost ~7% of server CPU under load.
SESSION_RECHECK_SECONDS = 60


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
        key = (positive_int(conversation), is_signal)
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


def inbox_filters_clean(frame: dict) -> dict:
    """An `inbox` frame's filters, read as the inbox page reads its URL's."""
    keys = ("view", "status", "priority", "topic", "label", "channel")
    return inbox_filters_from({key: str(frame.get(key) or "") for key in keys if key in frame})


def console_origin_is_allowed(scope) -> bool:
    """The console socket signs in with the agent's session cookie, which browsers also send
    from sibling subdomains (SameSite=Lax): a page may open it only from this site's own
    origin (the host it asked for, if one of ALLOWED_HOSTS) or one of CSRF_TRUSTED_ORIGINS,
    the origins Django accepts for the console's POSTs. No Origin means no browser, so no page
    of someone else's can be driving it."""
    origin = scope_header(scope, b"origin")
    if origin is None:
        return True
    origin = origin.strip().lower()
    host = (scope_header(scope, b"host") or "").strip().lower()
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


class ConsoleConsumer(JsonFrameConsumer):
    """The agent console's live channel: inbox rows and the watched conversation."""

    read_side = "agent"
    profile = None
    watched_id = None
    # The page's inbox filters (an `inbox` frame): None on a page without an inbox list, which
    # is sent no rows.
    inbox_filters = None
    language = settings.LANGUAGE_CODE
    inbox_batch: InboxBatch
    last_row_id = None

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
        # Fragments come in the consoles' languages (console.realtime); this socket shows its own.
        self.language = languages.agent_language(
            profile=self.profile,
            browser=languages.browser_language(
                cookie=scope_cookie(self.scope, settings.LANGUAGE_COOKIE_NAME),
                accept_language=scope_header(self.scope, b"accept-language"),
            ),
        )
        self.inbox_batch = InboxBatch(lambda html: self.send(text_data=html))
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
        """Presence, and the language of the live fragments; written at most every 15 s."""
        now = time.monotonic()
        if now - self.last_heartbeat >= HEARTBEAT_WRITE_SECONDS:
            self.last_heartbeat = now
            await database_sync_to_async(realtime.console_present)(self.profile, self.language)

    def _inbox_groups(self) -> list[str]:
        languages_in_use.languages.spoken(self.language)  # before the socket joins its groups
        # Kept for the socket's life: which live rows it may show (console.realtime.may_see).
        self.team_ids = list(self.profile.teams.values_list("id", flat=True))
        return realtime.agent_groups(
            user_id=self.profile.user_id,
            is_supervisor=self.profile.is_supervisor,
            team_ids=self.team_ids,
        )

    async def disconnect(self, code):
        if hasattr(self, "inbox_batch"):
            self.inbox_batch.cancel()
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
            "inbox": self.on_inbox,
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
        user = support_selectors.agent_user_for_session(self.scope.get("session_key"))
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
        message, created = outcome
        if created and message.client_id and message.conversation_id == self.watched_id:
            # Its fragment reaches this socket as the watched conversation's, with the client
            # id, which console.js takes as the answer: no second frame for every reply.
            return
        # Not watched here, or stored before (a retried client id: no new fragment): this
        # tells the composer its text is safe and may be cleared.
        await self.send_json({"type": "message.sent", "client_id": message.client_id})

    def _message_send(self, frame: dict):
        if not self.session_still_valid(max_age=SESSION_RECHECK_SECONDS):
            return None
        # Whether this agent may see the conversation is checked by message_send's lock.
        conversation_id = support_selectors.conversation_id_clean(frame.get("conversation"))
        return support_services.message_send(
            conversation=instance_with(Conversation, id=conversation_id),
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
        after = positive_int(frame.get("after", 0)) or 0
        # Older pages send no notes_after: they get no notes (they cannot show them).
        notes_after = positive_int(frame.get("notes_after"))
        if self.watched_id != conversation.pk:
            # Gap filling (fill_gaps): where the page resumed, and what was sent since.
            self.watch_after, self.watch_sent = after, set()
        self.watch_after = min(self.watch_after, after)
        # In the new conversation's group before it counts as watched, and out of the old one's
        # after: the watched one's row comes with its group's events only (console_inbox_row).
        await self.channel_layer.group_add(
            realtime.console_conversation_group(conversation.pk), self.channel_name
        )
        previous = self.watched_id
        # Ids only, not the conversation and its related rows: memory per idle socket.
        self.watched_id, self.watched_contact_id = conversation.pk, conversation.contact_id
        if previous is not None and previous != conversation.pk:
            await self.channel_layer.group_discard(
                realtime.console_conversation_group(previous), self.channel_name
            )
        messages = await database_sync_to_async(support_selectors.message_objects_after)(
            conversation=conversation, after=after, limit=RESUME_BATCH
        )
        await self.send_messages(conversation, messages)
        header_state = frame.get("header_state")
        await self.send_watched_state(
            conversation.pk, header_state if isinstance(header_state, str) else None
        )
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

    async def send_watched_state(self, conversation_id: int, header_state: str | None) -> None:
        """The inbox row as it is now, and the header when the page's is not: later changes
        come through the group this socket joined first."""
        state = await database_sync_to_async(realtime.watch_started)(
            conversation_id=conversation_id, language=self.language, header_state=header_state
        )
        if state is None:
            return
        header_html, inbox = state
        self.inbox_batch.drop(conversation_id)
        await self.send(text_data=header_html + self.inbox_piece(inbox))

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
        recent = await database_sync_to_async(chat_selectors.message_recent_ids)(
            conversation_ids=[self.watched_id], settled_before=settled
        )
        ids = recent.get(self.watched_id, [])
        missing = [i for i in ids if i > self.watch_after and i not in self.watch_sent]
        if missing:
            # Rare (live events lost): the conversation is loaded again, access checked too.
            conversation = await database_sync_to_async(
                support_selectors.conversation_get_for_agent
            )(profile=self.profile, conversation_id=self.watched_id)
            messages = await database_sync_to_async(chat_selectors.message_objects_by_ids)(
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
        await chat_realtime.typing_from_agent(
            conversation_id=self.watched_id,
            contact_id=self.watched_contact_id,
            agent_name=self.profile.name,
            state=bool(frame.get("state")),
        )

    async def on_read(self, frame: dict):
        if not self._watching(frame):
            raise errors.NotFound(_("Watch the conversation first."))
        await self.mark_read(
            conversation_id=self.watched_id,
            contact_id=self.watched_contact_id,
            up_to=frame.get("up_to"),
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

    async def on_inbox(self, frame: dict):
        """The filters of the inbox the page shows, as its URL gives them: live rows are sent
        only when that inbox lists them (console.realtime.inbox_row_matches)."""
        self.inbox_filters = inbox_filters_clean(frame)

    def inbox_piece(self, inbox: dict) -> str | None:
        return realtime.inbox_piece(
            inbox,
            joined=self.groups_joined,
            filters=self.inbox_filters,
            user_id=self.profile.user_id,
            team_ids=self.team_ids,
            language=self.language,
        )

    async def console_inbox_row(self, event: dict):
        """A row for the inboxes (console.realtime.conversation_events): the agent's own
        conversations at once, the others in a batch (a busy team's or a supervisor's inbox
        gets a few frames a second, not one per message)."""
        row = event["row"]
        if row["id"] == self.watched_id or event["id"] == self.last_row_id:
            # The watchers' event carries this row; or this is the same row through another
            # group this socket joined (its team's and its own).
            return
        html = self.inbox_piece(event)
        if html is None:  # not rendered in this socket's language (console.languages_in_use)
            event = await database_sync_to_async(realtime.event_in_language)(event, self.language)
            html = self.inbox_piece(event)
        if not html:
            # Nothing to show (yet: the page may not have said which inbox it lists): another
            # group's copy may still be.
            return
        self.last_row_id = event["id"]
        if row["assignee_id"] == self.profile.user_id:
            self.inbox_batch.drop(row["id"])
            await self.send(text_data=html)
        else:
            self.inbox_batch.add(row["id"], html)

    async def console_inbox_read(self, event: dict):
        """An agent read a conversation: its row loses the unread mark, after any row of it
        that waits in the batch. Not on the page that sent the mark: console.js dropped it
        when it sent it."""
        if self.own_read_mark(event["conversation_id"], event.get("up_to")):
            return
        self.inbox_batch.append(event["conversation_id"], event["html"])

    async def console_conversation(self, event: dict):
        """The watched conversation changed: its new message or header and its row, in one
        frame, at once."""
        if self.language not in event["languages"]:  # as in console_inbox_row
            event = await database_sync_to_async(realtime.event_in_language)(event, self.language)
        conversation_id = event["conversation_id"]
        row_html = self.inbox_piece(event["inbox"])
        if conversation_id != self.watched_id:
            # Left since (the `watch` of another one raced this event): the row still counts.
            if row_html:
                self.inbox_batch.add(conversation_id, row_html)
            return
        if event.get("message_id") is not None:
            self.watch_sent.add(event["message_id"])
        self.inbox_batch.drop(conversation_id)
        html = event["html"][self.language] + row_html
        if html:
            await self.send(text_data=html)

    async def console_typing(self, event: dict):
        """The visitor types (chat.realtime.typing_from_visitor): in this agent's language."""
        with translation.override(self.language):
            html = realtime.typing_html(
                conversation_id=event["conversation_id"], state=event["state"]
            )
        await self.send(text_data=html)

    async def console_sign_in_ended(self, event: dict):
        own = self.scope.get("session_key")
        if event.get("session_key") in (None, own):
            await self.close(code=CLOSE_FORBIDDEN)

    async def console_html(self, event: dict):
        if event.get("message_id") is not None and self.watched_id is not None:
            self.watch_sent.add(event["message_id"])
        html = event["html"]
        if isinstance(html, dict):  # one per language (console.realtime.console_event)
            html = realtime.in_language(html, self.language)
        await self.send(text_data=html)
