"""The widget's side of the domain's events (support.events): the visitor's realtime frames
after commit (chat.realtime), and the bot's answers inside the visitor's transaction
(chat.bot). The console's fragments are console.listeners'."""

from support import selectors as support_selectors
from support.events import Event, event_listen
from support.models import Conversation, Message

from . import bot, realtime


def event_conversation(event: Event):
    """The conversation an event is about, with what its frames and inbox row show: the row
    the write held, or read once for every listener of this event (stored in its objects)."""
    conversation = event.objects.get("conversation")
    if conversation is None:
        conversation = support_selectors.conversation_get_for_inbox_row(
            conversation_id=event.data["conversation_id"]
        )
        event.objects["conversation"] = conversation
    return conversation


def event_message(event: Event) -> Message:
    """message.created's message: the one the write held, or read once for every listener."""
    message = event.objects.get("message")
    if message is None:
        message = Message.objects.select_related("sender_agent__agent_profile").get(
            pk=event.data["message_id"]
        )
        event.objects["message"] = message
    return message


def message_created_publish(event: Event, *, publish) -> None:
    """message.created to one audience (`publish`: its realtime.message_created, the widget's
    or the console's), from the objects the write held (no query); loaded again when absent."""
    conversation = event_conversation(event)
    if conversation is not None:
        publish(
            message=event_message(event),
            conversation=conversation,
            conversation_changed=event.data["conversation_changed"],
        )


def message_created(event: Event) -> None:
    message_created_publish(event, publish=realtime.message_created)


def event_changed_message(event: Event) -> Message | None:
    """message.changed's message with its conversation and contact, read once for every
    listener (None: gone since)."""
    if "changed_message" not in event.objects:
        event.objects["changed_message"] = (
            Message.objects.select_related("conversation__contact", "sender_agent__agent_profile")
            .prefetch_related("attachments")
            .filter(pk=event.data["message_id"])
            .first()
        )
    return event.objects["changed_message"]


def message_changed_publish(event: Event, *, publish) -> None:
    """message.changed to one audience (`publish`: its realtime.message_changed)."""
    message = event_changed_message(event)
    if message is not None:
        publish(message=message)


def message_changed(event: Event) -> None:
    message_changed_publish(event, publish=realtime.message_changed)


def conversation_updated(event: Event) -> None:
    conversation = event_conversation(event)
    if conversation is not None:
        realtime.conversation_updated(conversation=conversation)


def read_mark_moved(event: Event) -> None:
    realtime.read_marked(event.data)


def queue_moved(event: Event) -> None:
    realtime.queue_moved(team_id=event.data["team_id"])


def _conversation(event: Event) -> Conversation:
    return event.objects.get("conversation") or Conversation.objects.select_related(
        "contact__widget", "topic"
    ).get(pk=event.data["conversation_id"])


def bot_greet(event: Event) -> None:
    if event.data["with_bot"]:
        bot.greet(conversation=_conversation(event))


def bot_answer(event: Event) -> None:
    """A visitor's message while the conversation is the bot's: the bot answers it."""
    data = event.data
    if data.get("visitor_turn") and data["status"] == Conversation.Status.BOT:
        bot.on_visitor_message(
            conversation=_conversation(event), text=data["body"], action=data["action"]
        )


def bot_announce_handoff(event: Event) -> None:
    bot.announce_handoff(conversation=_conversation(event), language=event.data["language"])


# The events after which a conversation shows otherwise to both sides (status, assignee, an
# SLA breach): the widget follows them, and the console (console.listeners) with a few more.
CONVERSATION_CHANGES = (
    "conversation.updated",
    "conversation.assigned",
    "conversation.sla_breached",
)


def connect() -> None:
    event_listen("message.created", message_created)
    event_listen("message.changed", message_changed)
    for name in CONVERSATION_CHANGES:
        event_listen(name, conversation_updated)
    event_listen("read_mark.moved", read_mark_moved)
    event_listen("queue.moved", queue_moved)
    event_listen("conversation.started", bot_greet, in_transaction=True)
    event_listen("message.created", bot_answer, in_transaction=True)
    event_listen("conversation.topic_picked", bot_announce_handoff, in_transaction=True)
