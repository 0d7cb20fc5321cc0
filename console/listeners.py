"""The agent console's side of the domain's events (support.events): fragments after commit
(console.realtime). The conversation and message an event is about are read once for every
listener of that event (chat.listeners.event_conversation); message.created and
message.changed are published as the widget's are (chat.listeners.message_created_publish)."""

from chat.listeners import (
    CONVERSATION_CHANGES,
    event_conversation,
    message_changed_publish,
    message_created_publish,
)
from support.events import Event, event_listen

from . import realtime


def message_created(event: Event) -> None:
    message_created_publish(event, publish=realtime.message_created)


def message_changed(event: Event) -> None:
    message_changed_publish(event, publish=realtime.message_changed)


def conversation_changed(event: Event) -> None:
    """A change that may move the conversation between inboxes carries where it was
    (previous_team_id, previous_assignee_id): those consoles withdraw its row."""
    conversation = event_conversation(event)
    if conversation is None:
        return
    previous = None
    if "previous_assignee_id" in event.data:
        previous = {
            "team_id": event.data.get("previous_team_id", conversation.team_id),
            "assignee_id": event.data["previous_assignee_id"],
        }
    realtime.conversation_changed(conversation, previous=previous)


def note_created(event: Event) -> None:
    realtime.note_created(note_id=event.data["note_id"])


def message_delivery_changed(event: Event) -> None:
    realtime.message_delivery_changed(message_id=event.data["message_id"])


def read_mark_moved(event: Event) -> None:
    realtime.read_marked(event.data)


def console_closed(event: Event) -> None:
    realtime.console_heartbeat_request(user_id=event.data["user_id"])


def connect() -> None:
    event_listen("message.created", message_created)
    event_listen("message.changed", message_changed)
    for name in (
        *CONVERSATION_CHANGES,
        "conversation.labels_changed",
        # The header and inbox rows show the order or table the host page attached.
        "conversation.context_changed",
    ):
        event_listen(name, conversation_changed)
    event_listen("note.created", note_created)
    event_listen("message.delivery_changed", message_delivery_changed)
    event_listen("read_mark.moved", read_mark_moved)
    event_listen("agent.console_closed", console_closed)
