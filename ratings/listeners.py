"""Ratings follow the domain's events (support.events): the rating chip a visitor presses, the
rating prompt after an agent resolves, the rating that stops being current on a reopen."""

from django.utils.translation import gettext as _

from support import errors, privacy
from support import services as support_services
from support.events import Event, event_listen
from support.models import Conversation

from . import services

SCORES = {str(n) for n in range(1, 6)}


def _conversation(event: Event) -> Conversation:
    return event.objects.get("conversation") or Conversation.objects.select_related("contact").get(
        pk=event.data["conversation_id"]
    )


def rating_chip_pressed(event: Event) -> None:
    """In the visitor's transaction: the rating and the bot's thanks are stored with their
    message, and a refused rating (409 already_rated) refuses the message too."""
    action = event.data.get("action")
    if not event.data.get("visitor_turn") or not action or action["type"] != "rating":
        return
    if action["value"] not in SCORES:
        raise errors.InvalidInput(_("A rating is a score from 1 to 5."), code="invalid_score")
    conversation = _conversation(event)
    services.rating_submit(conversation=conversation, score=int(action["value"]))
    support_services.message_send(
        conversation=conversation,
        sender_type="bot",
        body=services.rating_thanks_text(conversation=conversation),
    )


def rating_prompt(event: Event) -> None:
    """After commit: a person resolved it, so ask the visitor for a rating a little later."""
    if event.data["reason"] == "resolved":
        services.rating_prompt_enqueue(conversation_id=event.data["conversation_id"])


def rating_current_end(event: Event) -> None:
    """In the transaction of a move out of resolved: the resolution that ended keeps its
    rating, the next one may be rated."""
    if event.data["from"] == Conversation.Status.RESOLVED:
        services.rating_current_end(conversation=_conversation(event))


def connect() -> None:
    event_listen("message.created", rating_chip_pressed, in_transaction=True)
    event_listen("conversation.resolved", rating_prompt)
    event_listen("conversation.status_changed", rating_current_end, in_transaction=True)
    privacy.erasure_register(name="ratings", eraser=services.rating_comments_erase)
