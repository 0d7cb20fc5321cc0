"""The one place that talks to the channel layer: group names, publishing, and the widget's
side of the domain's events (JSON frames, docs/protocol.md).

Everything here runs after commit (listeners run on commit, support.events): the database is
the truth and these events are hints that let clients skip a fetch. The agent console's
fragments are rendered and published by console.realtime, through `publish`.
"""

import asyncio
import itertools
import logging
import os
import weakref
from collections import deque

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.db.models import prefetch_related_objects

from support import selectors as support_selectors
from support.models import Message

from . import protocol

logger = logging.getLogger("destek.realtime")

# Group names: the addresses both sockets listen on. Which console groups may see a
# conversation is the console's rule (console.realtime.conversation_groups).
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


# Event shapes: `type` names the consumer method that handles it.
def visitor_event(frame: dict) -> dict:
    return {"type": "visitor.frame", "frame": frame}


def visitor_frames_event(frames: list[dict]) -> dict:
    """Several frames for one visitor in one event (one channel-layer message), sent in order."""
    if len(frames) == 1:
        return visitor_event(frames[0])
    return {"type": "visitor.frames", "frames": frames}


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


def publish(messages: list[tuple[str, dict]]) -> None:
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


def conversation_frame(conversation, *, queue=None) -> dict:
    """The visitor's `conversation.updated` frame (its place in the queue when waiting)."""
    if queue is None:
        queue = support_selectors.conversation_queue_info(conversation=conversation)
    return {
        "type": "conversation.updated",
        "conversation": protocol.conversation_to_dict(conversation, queue=queue),
    }


def message_created(*, message: Message, conversation, conversation_changed: bool = False) -> None:
    """The visitor's frames for a new message, from the objects its transaction held, in one
    event: the message, and the conversation when `conversation_changed`. An agent's message
    also says the agent read up to it (the visitor's "Seen"; docs/protocol.md): no `read`
    frame of its own."""
    # The message's files: the only query of the publish, and none for a message message_send
    # just stored (its files are known). Django's prefetch machinery alone cost ~2% of server
    # CPU per message even when it had nothing to do.
    if "attachments" not in getattr(message, "_prefetched_objects_cache", {}):
        prefetch_related_objects([message], "attachments")
    frames = [{"type": "message.new", "message": protocol.message_to_dict(message)}]
    if conversation_changed:
        frames.append(conversation_frame(conversation))
    publish([(visitor_group(conversation.contact_id), visitor_frames_event(frames))])


def message_changed(*, message: Message) -> None:
    """An edited or deleted message: the visitor's `message.updated` frame (docs/protocol.md,
    Changed messages). The consoles' copy is console.realtime's."""
    if "attachments" not in getattr(message, "_prefetched_objects_cache", {}):
        prefetch_related_objects([message], "attachments")
    frame = {"type": "message.updated", "message": protocol.message_to_dict(message)}
    publish([(visitor_group(message.conversation.contact_id), visitor_event(frame))])


def conversation_updated(*, conversation) -> None:
    """Status, assignee, priority… changed: the visitor's frame."""
    publish(
        [(visitor_group(conversation.contact_id), visitor_event(conversation_frame(conversation)))]
    )


def queue_moved(*, team_id: int | None) -> None:
    """Tell everyone still waiting in a queue their new place in line."""
    positions = support_selectors.queue_positions(team_id=team_id)
    if not positions:
        return
    waiting = support_selectors.conversation_list_by_ids(ids=list(positions))
    publish(
        [
            (
                visitor_group(conversation.contact_id),
                visitor_event(conversation_frame(conversation, queue=positions[conversation.pk])),
            )
            for conversation in waiting
        ]
    )


def read_marked(mark: dict) -> None:
    """A read mark moved (`mark`: read_mark.moved's data, support.events): the visitor's
    "Seen" (and their own mark, for their other tabs)."""
    frame = {
        "type": "read",
        "conversation": mark["conversation_id"],
        "reader": mark["reader"],
        "up_to": mark["up_to"],
    }
    publish([(visitor_group(mark["contact_id"]), visitor_event(frame))])


async def typing_from_visitor(*, conversation_id: int, state: bool) -> None:
    """To the consoles watching the conversation; each renders it in its agent's language."""
    await get_channel_layer().group_send(
        console_conversation_group(conversation_id),
        {"type": "console.typing", "conversation_id": conversation_id, "state": state},
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
