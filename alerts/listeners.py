"""Agent alerts follow the domain's events (support.events), after commit: a push for a
conversation assigned to an agent or queued for their team and for a mention in a note, an
e-mail for a conversation waiting past its first-response target while they are offline."""

from support.events import Event, event_listen
from support.models import Conversation, Note

from . import selectors, tasks


def assigned(event: Event) -> None:
    assignee_id = event.data.get("assignee_id")
    # Taking a conversation yourself needs no alert.
    if assignee_id and assignee_id != event.data.get("by_id"):
        tasks.push_alert.delay("assigned", event.data["conversation_id"], [assignee_id])


def _queued(conversation_id: int) -> None:
    conversation = (
        Conversation.objects.filter(pk=conversation_id).values("team_id", "assignee_id").first()
    )
    if conversation is None or conversation["assignee_id"]:
        return
    user_ids = selectors.queue_agent_ids(team_id=conversation["team_id"])
    if user_ids:
        tasks.push_alert.delay("queued", conversation_id, user_ids)


def status_changed(event: Event) -> None:
    if event.data["to"] == Conversation.Status.QUEUED:
        _queued(event.data["conversation_id"])


def created(event: Event) -> None:
    # Channels without the bot start in the queue (support.channels).
    if event.data["status"] == Conversation.Status.QUEUED:
        _queued(event.data["conversation_id"])


def mentioned(event: Event) -> None:
    user_ids = list(
        Note.mentions.through.objects.filter(note_id=event.data["note_id"]).values_list(
            "user_id", flat=True
        )
    )
    if user_ids:
        tasks.push_alert.delay(
            "mention", event.data["conversation_id"], user_ids, event.data["note_id"]
        )


def sla_breached(event: Event) -> None:
    if event.data["kind"] == "first_response":
        tasks.waiting_email.delay(event.data["conversation_id"])


def connect() -> None:
    event_listen("conversation.assigned", assigned)
    event_listen("conversation.status_changed", status_changed)
    event_listen("conversation.created", created)
    event_listen("note.created", mentioned)
    event_listen("conversation.sla_breached", sla_breached)
