"""The agent console's side of the domain's events (support.events): fragments after commit
(console.realtime). The conversation and message an event is about are read once for every
listener of that event (chat.listeners.event_conversation)."""

from chat.listeners import event_changed_message, event_conversation, event_message
from support.events import Event, event_listen

from . import realtime


def message_created(event: Event) -> None:
    conversation = event_conversation(event)
    if conversation is None:
        return
    realtime.message_created(
        message=event_message(event),
        conversation=conversation,
        conversation_changed=event.data["conversation_changed"],
    )


def message_changed(event: Event) -> None:
    message = event_changed_message(event)
    if message is not None:
        realtime.message_changed(message=message)


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
    data = event.data
    realtime.read_marked(
        conversation_id=data["conversation_id"],
        reader=data["reader"],
        up_to=data["up_to"],
        team_id=data["team_id"],
        assignee_id=data["assignee_id"],
    )


def console_closed(event: Event) -> None:
    realtime.console_heartbeat_request(user_id=event.data["user_id"])


def connect() -> None:
    event_listen("message.created", message_created)
    event_listen("message.changed", message_changed)
    for name in (
        "conversation.updated",
        "conversation.assigned",
        "conversation.sla_breached",
        "conversation.labels_changed",
        # The header and inbox rows show the order or table the host page attached.
        "conversation.context_changed",
    ):
        event_listen(name, conversation_changed)
    event_listen("note.created", note_created)
    event_listen("message.delivery_changed", message_delivery_changed)
    event_listen("read_mark.moved", read_mark_moved)
    event_listen("agent.console_closed", console_closed)
