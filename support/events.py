"""The one event dispatcher of the helpdesk: write paths say what happened, other apps react.

    events.event_emit("message.created", message_id=..., conversation_id=..., ...)

support imports none of the apps above it. When a change must make something happen elsewhere
(a frame to a visitor, a console fragment, an e-mail, a rating prompt, a webhook, a bot reply),
the write path emits a named event and the app that owns the reaction listens, from its own
`<app>/listeners.py`, connected in its AppConfig.ready:

    events.event_listen("message.created", on_message_created)

Two kinds of listener:
- after commit (the default): runs once the emitting transaction commits, never for a
  rolled-back write; each listener is robust (an exception is logged, the others still run).
  Frames, fragments, e-mails, task enqueues.
- in transaction (`in_transaction=True`): runs at once, inside the emitting transaction, so its
  writes commit or roll back with the change and its error fails the write. For outbox rows
  (webhook deliveries) and for domain writes that are part of the same change (the bot's
  answer to a visitor's message, the proactive line a conversation opens with, a rating that
  stops being current when its conversation reopens). `order` sorts them (lower first; equal
  orders run in the order they were connected).
After-commit work is scheduled before the in-transaction listeners run, so an event's goes out
before that of the events those listeners emit (a visitor's message before the bot's answer).

An event is its name and `data`: ids and what listeners need, JSON-serialisable (tests
round-trip every event's data through json). `objects` may carry the rows the write already
holds (the locked conversation, the new message) so that a listener in this process need not
read them again; it is never part of the data, and every listener works without it.

The events:
- `conversation.created`  conversation_id, contact_id, status
- `conversation.started`  conversation_id, contact_id, with_bot, proactive_token: a visitor
  opened it from the widget, before their first message (its opening lines are written here)
- `conversation.topic_picked`  conversation_id, language: it started with a topic picked, after
  the visitor's first message (the bot says what happens next)
- `conversation.updated`  conversation_id: status, assignee, priority, rating… changed; after
  a move of team or assignee also previous_team_id, previous_assignee_id (where it was)
- `conversation.assigned`  conversation_id, assignee_id, by_id, previous_team_id,
  previous_assignee_id
- `conversation.status_changed`  conversation_id, from, to, reason, by_id (from the gate)
- `conversation.resolved`  conversation_id, reason, by_id
- `conversation.sla_breached`  conversation_id, kind ("first_response" or "resolution")
- `conversation.labels_changed`  conversation_id
- `conversation.context_changed`  conversation_id, order_id, table: the host page attached an
  order or table (support.conversation_context); agents' headers and inbox rows follow
- `message.created`  message_id, conversation_id, contact_id, sender_type, status, body,
  action, conversation_changed
- `message.changed`  message_id, conversation_id, contact_id, change ("edited" or "deleted")
- `message.delivery_changed`  message_id, conversation_id, delivery: an outbound channel
  sent, delivered or failed to send a message (the console shows it on the message)
- `message.delivery_retried`  message_id, conversation_id, channel: an agent asked to send a
  failed message again (the channel's app sends it)
- `note.created`  note_id, conversation_id
- `read_mark.moved`  conversation_id, contact_id, reader, up_to, team_id, assignee_id
- `queue.moved`  team_id
- `contact.updated`  contact_id
- `rating.created`  rating_id, conversation_id
- `agent.console_closed`  user_id
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import transaction

logger = logging.getLogger("destek.events")

EVENTS = frozenset(
    {
        "conversation.created",
        "conversation.started",
        "conversation.topic_picked",
        "conversation.updated",
        "conversation.assigned",
        "conversation.status_changed",
        "conversation.resolved",
        "conversation.sla_breached",
        "conversation.labels_changed",
        "conversation.context_changed",
        "message.created",
        "message.changed",
        "message.delivery_changed",
        "message.delivery_retried",
        "note.created",
        "read_mark.moved",
        "queue.moved",
        "contact.updated",
        "rating.created",
        "agent.console_closed",
    }
)


@dataclass(frozen=True)
class Event:
    name: str
    data: dict[str, Any]
    # Rows the emitting write holds, for listeners in this process; never serialised.
    objects: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


Listener = Callable[[Event], None]


@dataclass(frozen=True)
class _Registration:
    listener: Listener
    in_transaction: bool
    order: int


_listeners: dict[str, list[_Registration]] = {}


def event_listen(
    name: str, listener: Listener, *, in_transaction: bool = False, order: int = 0
) -> None:
    """Connect `listener` to the event `name` (once: connecting it again changes nothing)."""
    if name not in EVENTS:
        raise ValueError(f"Unknown event {name!r}.")
    registrations = _listeners.setdefault(name, [])
    if any(r.listener == listener for r in registrations):
        return
    registrations.append(_Registration(listener, in_transaction, order))
    # Stable: equal orders keep the order they were connected in.
    registrations.sort(key=lambda r: (not r.in_transaction, r.order if r.in_transaction else 0))


def event_unlisten(name: str, listener: Listener) -> None:
    _listeners[name] = [r for r in _listeners.get(name, []) if r.listener != listener]


def _run_after_commit(listener: Listener, event: Event) -> None:
    try:
        listener(event)
    except Exception:
        # One listener's failure (Redis down, a mail server refusing) costs only its own work.
        logger.exception("Listener %r of %s failed.", listener, event.name)


def event_emit(name: str, *, objects: dict[str, Any] | None = None, **data: Any) -> Event:
    """Emit `name` with `data`: in-transaction listeners run now, the others after commit."""
    if name not in EVENTS:
        raise ValueError(f"Unknown event {name!r}.")
    event = Event(name=name, data=data, objects=objects or {})
    registrations = _listeners.get(name, [])
    # After-commit work is scheduled before the in-transaction listeners run: this event's
    # goes out before that of the events they emit (a visitor's message before the bot's).
    for registration in registrations:
        if not registration.in_transaction:
            transaction.on_commit(partial(_run_after_commit, registration.listener, event))
    for registration in list(registrations):
        if registration.in_transaction:
            registration.listener(event)
    return event
