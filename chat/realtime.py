"""The one place that talks to the channel layer: group names, event shapes, publishing.

Everything here runs after commit (services schedule it with transaction.on_commit): the
database is the truth and these events are hints that let clients skip a fetch. Visitors get
JSON frames (docs/protocol.md); agent consoles get HTML fragments swapped in by htmx.
"""

import asyncio
import itertools
import logging
import os
import weakref
from collections import deque

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.utils import translation

from support import selectors as support_selectors
from support.models import Message

from . import protocol

logger = logging.getLogger("destek.realtime")

# Group names.
CONSOLE_UNROUTED = "console.unrouted"
CONSOLE_SUPERVISORS = "console.supervisors"


def visitor_group(contact_id: int) -> str:
    return f"visitor.{contact_id}"


def console_conversation_group(conversation_id: int) -> str:
    return f"console.conversation.{conversation_id}"


def console_team_group(team_id: int) -> str:
    return f"console.team.{team_id}"


def console_agent_group(user_id: int) -> str:
    return f"console.agent.{user_id}"


def console_inbox_groups(conversation) -> list[str]:
    """Every console inbox that may show this conversation."""
    return _inbox_groups(team_id=conversation.team_id, assignee_id=conversation.assignee_id)


def _inbox_groups(*, team_id: int | None, assignee_id: int | None) -> list[str]:
    groups = [CONSOLE_SUPERVISORS]
    groups.append(console_team_group(team_id) if team_id else CONSOLE_UNROUTED)
    if assignee_id:
        groups.append(console_agent_group(assignee_id))
    return groups


# Event shapes: `type` names the consumer method that handles it.
def visitor_event(frame: dict) -> dict:
    return {"type": "visitor.frame", "frame": frame}


def console_event(html: str | dict[str, str], *, message_id: int | None = None) -> dict:
    """`html` is one fragment, or one per language (`render_each_language`): each console
    socket sends its agent's. `message_id` marks a message fragment, so the socket knows which
    ones it delivered."""
    event = {"type": "console.html", "html": html}
    if message_id is not None:
        event["message_id"] = message_id
    return event


def console_sign_in_ended(*, user_id: int, session_key: str | None = None) -> None:
    """Close the user's open consoles: the one of `session_key` (a sign-out), or all of them
    (the account was deactivated). Channels checks a socket's session only when it connects."""
    _send(
        [
            (
                console_agent_group(user_id),
                {"type": "console.sign_in_ended", "session_key": session_key},
            )
        ]
    )


def console_heartbeat_request(*, user_id: int) -> None:
    """One of the user's consoles closed: the others say they are still there."""
    _send([(console_agent_group(user_id), {"type": "console.heartbeat"})])


# Batches waiting for the channel layer, per server event loop; beyond this many (Redis down
# or far behind) new ones are dropped: events are hints, sockets fill gaps at their next ping.
PUBLISH_BACKLOG_LIMIT = 10_000
_backlogs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, deque]" = (
    weakref.WeakKeyDictionary()
)
_drains: set[asyncio.Task] = set()


# At most this many batches go out in one drain step (one Redis round trip with the pipelined
# layer): bounded, so one failure drops at most these, and the loop is not held for long.
DRAIN_BATCHES_PER_STEP = 64


async def _send_now(layer, messages: list[tuple[str, dict]]) -> None:
    send_many = getattr(layer, "group_send_many", None)
    if send_many is not None:
        await send_many(messages)
        return
    await asyncio.gather(*(layer.group_send(group, event) for group, event in messages))


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop of the server this thread works for (a consumer's database call or a
    view under the ASGI server), if any. asgiref records it for the threads it runs sync code in."""
    local = SyncToAsync.threadlocal
    loop = getattr(local, "main_event_loop", None)
    if loop is None or getattr(local, "main_event_loop_pid", None) != os.getpid():
        return None
    return loop if loop.is_running() and not loop.is_closed() else None


def _publish_later(layer, messages: list[tuple[str, dict]]) -> None:
    """On the server's loop: queue the batch; one drain task sends batches in commit order."""
    loop = asyncio.get_running_loop()
    backlog = _backlogs.setdefault(loop, deque())
    if len(backlog) >= PUBLISH_BACKLOG_LIMIT:
        logger.warning("Realtime publish backlog full; an event batch was dropped.")
        return
    backlog.append((layer, messages))
    if len(backlog) == 1:  # no drain running: it keeps its batch queued until sent
        task = loop.create_task(_drain(backlog))
        _drains.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(_drains.discard)


async def _drain(backlog: deque) -> None:
    """Send the queued batches in commit order; those that queued up while one step was in
    flight go together in the next (one pipeline), which is what keeps up under load."""
    while backlog:
        layer, messages, taken = backlog[0][0], [], 0
        for batch_layer, batch in itertools.islice(backlog, DRAIN_BATCHES_PER_STEP):
            if batch_layer is not layer:
                break
            messages += batch
            taken += 1
        try:
            await _send_now(layer, messages)
        except Exception:
            logger.exception("Realtime publish failed; clients catch up when they resume.")
        for _ in range(taken):
            backlog.popleft()


def _send(messages: list[tuple[str, dict]]) -> None:
    """Publish a batch of (group, event). Callers schedule this with on_commit(robust=True).

    In a server process the batch is handed to the event loop and this thread goes on: the
    database thread never waits for Redis (one thread serves every socket's database work).
    Elsewhere (Celery, management commands, tests' sync code) it is sent before returning.
    A failure is logged and costs clients a fetch when they resume by message id, never a
    message.
    """
    layer = get_channel_layer()
    if layer is None or not messages:
        return
    loop = _server_loop()
    if loop is not None:
        loop.call_soon_threadsafe(_publish_later, layer, messages)
        return
    async_to_sync(_send_now)(layer, messages)


def render_each_language(template: str, context: dict) -> dict[str, str]:
    """A console fragment in every console language: one event reaches agents who speak
    different ones, and this thread's language is whoever caused the change (or none)."""
    rendered = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            rendered[language] = render_to_string(template, context)
    return rendered


def _inbox_row_html(conversation) -> dict[str, str]:
    return render_each_language("console/oob_inbox_row.html", {"conversation": conversation})


def _conversation_updated_events(conversation, *, with_inbox_row: bool) -> list[tuple[str, dict]]:
    frame = {
        "type": "conversation.updated",
        "conversation": protocol.conversation_to_dict(
            conversation, queue=support_selectors.conversation_queue_info(conversation=conversation)
        ),
    }
    header_html = render_each_language(
        "console/oob_conversation_header.html", {"conversation": conversation}
    )
    outgoing = [
        (visitor_group(conversation.contact_id), visitor_event(frame)),
        (console_conversation_group(conversation.pk), console_event(header_html)),
    ]
    if with_inbox_row:
        row_html = _inbox_row_html(conversation)
        outgoing += [
            (group, console_event(row_html)) for group in console_inbox_groups(conversation)
        ]
    return outgoing


def message_created(*, message: Message, conversation, conversation_changed: bool = False) -> None:
    """Publish a new message from the objects its transaction held: one send, and no query
    but the message's attachments.

    `conversation` is the row message_send locked and updated, with the inbox row's related
    rows loaded. Goes out: the visitor's frame, the watching consoles' fragment, one inbox row
    per inbox group, plus the status header when `conversation_changed` and, for an agent's
    reply, the read mark it implies.
    """
    # The message's files, once for the frame and the fragment: the only query of the publish,
    # and none for a message message_send just stored (its files are known). Django's
    # prefetch machinery alone cost ~2% of server CPU per message even when it had nothing to do.
    if "attachments" not in getattr(message, "_prefetched_objects_cache", {}):
        prefetch_related_objects([message], "attachments")
    # And the conversation's labels, shown on its inbox row (message_send's lock query says
    # whether it has any: most have none, and then there is nothing to fetch).
    support_selectors.conversation_labels_load(conversation)
    frame = {"type": "message.new", "message": protocol.message_to_dict(message)}
    message_html = render_each_language(
        "console/oob_message.html", {"message": message, "conversation": conversation}
    )
    conversation.unread_count = conversation.agent_unread_count
    row_html = _inbox_row_html(conversation)
    if message.sender_type == Message.SenderType.VISITOR:
        # Each console decides whether it concerns its agent (sound, desktop notification).
        notify_html = render_to_string(
            "console/oob_notify.html",
            {"kind": "message", "conversation": conversation, "message": message},
        )
        row_html = {language: html + notify_html for language, html in row_html.items()}
    outgoing = [
        (visitor_group(conversation.contact_id), visitor_event(frame)),
        (
            console_conversation_group(conversation.pk),
            console_event(message_html, message_id=message.pk),
        ),
    ]
    outgoing += [(group, console_event(row_html)) for group in console_inbox_groups(conversation)]
    if conversation_changed:
        outgoing += _conversation_updated_events(conversation, with_inbox_row=False)
    if message.sender_type == Message.SenderType.AGENT:
        # An agent's reply marks the thread read on their side: the visitor's "Seen".
        read = {"type": "read", "conversation": conversation.pk, "reader": "agent"}
        outgoing.append(
            (visitor_group(conversation.contact_id), visitor_event({**read, "up_to": message.pk}))
        )
    _send(outgoing)


def message_delivery_changed(*, message_id: int) -> None:
    """A channel sent, delivered or failed to send a message: the consoles watching its
    conversation redraw it (its state, a failure's retry button). Visitors hear nothing."""
    message = (
        Message.objects.select_related("conversation__contact", "sender_agent__agent_profile")
        .prefetch_related("attachments")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        return
    conversation = message.conversation
    html = render_each_language(
        "console/oob_message_replace.html", {"message": message, "conversation": conversation}
    )
    _send([(console_conversation_group(conversation.pk), console_event(html))])


def note_created(*, note_id: int) -> None:
    """An internal note: to the consoles watching its conversation and to the agents it
    mentions. Never to a visitor group."""
    note = support_selectors.note_get_for_console(note_id=note_id)
    if note is None:
        return
    conversation = note.conversation
    note_html = render_each_language(
        "console/oob_note.html", {"note": note, "conversation": conversation}
    )
    outgoing = [(console_conversation_group(conversation.pk), console_event(note_html))]
    mention_html = render_to_string(
        "console/oob_notify.html",
        {"kind": "mention", "conversation": conversation, "note": note},
    )
    outgoing += [
        (console_agent_group(user.pk), console_event(mention_html)) for user in note.mentions.all()
    ]
    _send(outgoing)


def conversation_labels_changed(*, conversation_id: int) -> None:
    """Labels are for agents only: the header and inbox rows change, visitors hear nothing."""
    conversation = support_selectors.conversation_get_for_inbox_row(conversation_id=conversation_id)
    if conversation is None:
        return
    header_html = render_each_language(
        "console/oob_conversation_header.html", {"conversation": conversation}
    )
    row_html = _inbox_row_html(conversation)
    outgoing = [(console_conversation_group(conversation.pk), console_event(header_html))]
    outgoing += [(group, console_event(row_html)) for group in console_inbox_groups(conversation)]
    _send(outgoing)


def conversation_updated(*, conversation_id: int, with_inbox_row: bool = True) -> None:
    """Status, assignee, priority… changed: the visitor's frame, the header, the inbox row."""
    conversation = support_selectors.conversation_get_for_inbox_row(conversation_id=conversation_id)
    if conversation is None:
        return
    _send(_conversation_updated_events(conversation, with_inbox_row=with_inbox_row))


def queue_moved(*, team_id: int | None) -> None:
    """Tell everyone still waiting in a queue their new place in line."""
    positions = support_selectors.queue_positions(team_id=team_id)
    if not positions:
        return
    waiting = support_selectors.conversation_list_by_ids(ids=list(positions))
    _send(
        [
            (
                visitor_group(conversation.contact_id),
                visitor_event(
                    {
                        "type": "conversation.updated",
                        "conversation": protocol.conversation_to_dict(
                            conversation, queue=positions[conversation.pk]
                        ),
                    }
                ),
            )
            for conversation in waiting
        ]
    )


def read_marked(
    *,
    conversation_id: int,
    contact_id: int,
    reader: str,
    up_to: int,
    team_id: int | None,
    assignee_id: int | None,
) -> None:
    """A read mark moved: sent for each message a client shows, with no query. The visitor's
    "Seen"; the agent's tells the consoles showing the conversation's row (where: its team and
    assignee, read with the mark) to drop its unread mark (the row itself is not sent again)."""
    frame = {"type": "read", "conversation": conversation_id, "reader": reader, "up_to": up_to}
    outgoing = [(visitor_group(contact_id), visitor_event(frame))]
    if reader == "visitor":
        seen_html = render_to_string("console/oob_seen.html", {"up_to": up_to})
        outgoing.append((console_conversation_group(conversation_id), console_event(seen_html)))
    else:
        read_html = render_to_string("console/oob_read.html", {"conversation_id": conversation_id})
        outgoing += [
            (group, console_event(read_html))
            for group in _inbox_groups(team_id=team_id, assignee_id=assignee_id)
        ]
    _send(outgoing)


async def typing_from_visitor(*, conversation_id: int, state: bool) -> None:
    html = render_each_language(
        "console/oob_typing.html",
        {"conversation_id": conversation_id, "state": state, "who": "visitor"},
    )
    await get_channel_layer().group_send(
        console_conversation_group(conversation_id), console_event(html)
    )


async def typing_from_agent(
    *, conversation_id: int, contact_id: int, agent_name: str, state: bool
) -> None:
    frame = {
        "type": "typing",
        "conversation": conversation_id,
        "sender": {"type": "agent", "name": agent_name, "avatar_url": None},
        "state": state,
    }
    await get_channel_layer().group_send(visitor_group(contact_id), visitor_event(frame))
