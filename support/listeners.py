"""support's own reactions to its events (support.events), after commit: the out-of-hours
auto-reply to a visitor's message (a task) and the SLA breach e-mail to supervisors."""

from . import automation
from .events import Event, event_listen
from .models import Conversation


def after_hours_reply(event: Event) -> None:
    data = event.data
    if not data.get("visitor_turn") or data["status"] == Conversation.Status.BOT:
        return
    conversation = event.objects.get("conversation") or Conversation.objects.select_related(
        "team", "contact"
    ).get(pk=data["conversation_id"])
    automation.after_hours_reply_enqueue(conversation=conversation, message_id=data["message_id"])


def sla_breach_email(event: Event) -> None:
    automation.sla_breach_email(
        conversation_id=event.data["conversation_id"], kind=event.data["kind"]
    )


def connect() -> None:
    event_listen("message.created", after_hours_reply)
    event_listen("conversation.sla_breached", sla_breach_email)
