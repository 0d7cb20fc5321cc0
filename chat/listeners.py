"""The widget's and the console's side of the domain's events (support.events): realtime
frames and fragments after commit (chat.realtime), and the bot's answers inside the
visitor's transaction (chat.bot)."""

from support import selectors as support_selectors
from support.events import Event, event_listen
from support.models import Conversation, Message

from . import bot, realtime


def message_created(event: Event) -> None:
    """Publish from the objects the write held (no query); loaded again when absent."""
    message, conversation = event.objects.get("message"), event.objects.get("conversation")
    if message is None or conversation is None:
        message = Message.objects.select_related("sender_agent__agent_profile").get(
            pk=event.data["message_id"]
        )
        conversation = support_selectors.conversation_get_for_inbox_row(
            conversation_id=event.data["conversation_id"]
        )
        if conversation is None:
            return
    realtime.message_created(
        message=message,
        conversation=conversation,
        conversation_changed=event.data["conversation_changed"],
    )


def conversation_updated(event: Event) -> None:
    realtime.conversation_updated(conversation_id=event.data["conversation_id"])


def conversation_labels_changed(event: Event) -> None:
    realtime.conversation_labels_changed(conversation_id=event.data["conversation_id"])


def message_delivery_changed(event: Event) -> None:
    realtime.message_delivery_changed(message_id=event.data["message_id"])


def note_created(event: Event) -> None:
    realtime.note_created(note_id=event.data["note_id"])


def read_mark_moved(event: Event) -> None:
    data = event.data
    realtime.read_marked(
        conversation_id=data["conversation_id"],
        contact_id=data["contact_id"],
        reader=data["reader"],
        up_to=data["up_to"],
        team_id=data["team_id"],
        assignee_id=data["assignee_id"],
    )


def queue_moved(event: Event) -> None:
    realtime.queue_moved(team_id=event.data["team_id"])


def console_closed(event: Event) -> None:
    realtime.console_heartbeat_request(user_id=event.data["user_id"])


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


def connect() -> None:
    event_listen("message.created", message_created)
    for name in (
        "conversation.updated",
        "conversation.assigned",
        "conversation.sla_breached",
    ):
        event_listen(name, conversation_updated)
    event_listen("conversation.labels_changed", conversation_labels_changed)
    event_listen("note.created", note_created)
    event_listen("message.delivery_changed", message_delivery_changed)
    event_listen("read_mark.moved", read_mark_moved)
    event_listen("queue.moved", queue_moved)
    event_listen("agent.console_closed", console_closed)
    event_listen("conversation.started", bot_greet, in_transaction=True)
    event_listen("message.created", bot_answer, in_transaction=True)
    event_listen("conversation.topic_picked", bot_announce_handoff, in_transaction=True)
