"""Conversations: create, bot hand-off and deflection, and folding a new message in."""

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import errors, routing
from ..events import event_emit
from ..models import (
    Contact,
    Conversation,
    Team,
    Topic,
)
from ..sql import fields_save
from .queue import (
    _active_priority_rules,
    _assign_to_best_agent,
    _conversation_enter_queue,
    _moved_from,
    _publish_queue_moved,
)
from .transitions import _stamp_first_response, conversation_transition

Status = Conversation.Status


def conversation_create(
    *,
    contact: Contact,
    topic_slug: Any = None,
    priority_hint: Any = None,
    first_text: str = "",
    with_bot: bool = False,
    channel: str = Conversation.Channel.WIDGET,
    team: Team | None = None,
    attributes: dict | None = None,
) -> Conversation:
    """Open a conversation for a visitor: with the greeting bot, or straight into the queue.

    `team`: the team a channel account belongs to (a support address, a WhatsApp number),
    used when no topic names one. `attributes`: already checked (the pre-chat form's
    conversation answers)."""
    topic = None
    if topic_slug not in (None, ""):
        if not isinstance(topic_slug, str):
            raise errors.InvalidInput(_("topic must be a topic slug."))
        topic = Topic.objects.filter(slug=topic_slug, is_active=True).first()
        if topic is None:
            raise errors.InvalidInput(_("No such topic."), code="topic_not_found")
    if priority_hint not in (None, "", "urgent"):
        raise errors.InvalidInput(_('priority_hint may only be "urgent".'))
    now = timezone.now()
    priority = routing.initial_priority(
        topic=topic,
        urgent_requested=priority_hint == "urgent",
        text=first_text,
        rules=_active_priority_rules(),
    )
    with transaction.atomic():
        conversation = Conversation.objects.create(
            contact=contact,
            channel=channel,
            status=Status.BOT if with_bot else Status.QUEUED,
            topic=topic,
            team=topic.team if topic else team,
            priority=priority,
            last_message_at=now,
            attributes=attributes or {},
        )
        if with_bot:
            event_emit("conversation.updated", conversation_id=conversation.pk)
        else:
            _conversation_enter_queue(conversation=conversation, now=now)
        event_emit(
            "conversation.created",
            conversation_id=conversation.pk,
            contact_id=contact.pk,
            status=conversation.status,
        )
    return conversation


def conversation_hand_off(*, conversation: Conversation, topic_slug: str = "") -> Conversation:
    """From the bot to a person: route by the topic (if picked) and join the queue."""
    topic = None
    if topic_slug:
        topic = Topic.objects.select_related("team").filter(slug=topic_slug, is_active=True).first()
        if topic is None:
            raise errors.InvalidInput(_("No such topic."), code="topic_not_found")
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.status != Status.BOT:
            return locked
        fields = ["status"]
        moved_from = _moved_from(team_id=locked.team_id, assignee_id=locked.assignee_id)
        if topic is not None:
            locked.topic, locked.team = topic, topic.team
            locked.priority = routing.priority_max(locked.priority, topic.default_priority)
            fields += ["topic", "team", "priority"]
        fields += conversation_transition(
            conversation=locked, to=Status.QUEUED, by=None, reason="handed_off", save=False
        )
        locked.save(update_fields=fields)
        _conversation_enter_queue(conversation=locked, now=timezone.now(), moved_from=moved_from)
    return locked


def conversation_count_bot_turn(*, conversation: Conversation) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(bot_turns=F("bot_turns") + 1)
    conversation.bot_turns += 1


def _agent_reply_record(conversation: Conversation, *, message) -> list[str]:
    """An agent's message: the first response, the assignee when it had none, open again,
    and read up to it. Returns the changed fields."""
    fields = []
    if conversation.first_response_at is None:
        fields += _stamp_first_response(conversation=conversation, at=message.created_at)
    if conversation.assignee_id is None:
        conversation.assignee = message.sender_agent
        fields.append("assignee")
    if conversation.status in (Status.QUEUED, Status.PENDING, Status.RESOLVED, Status.SNOOZED):
        # An agent's reply opens it; a resolved one is reopened (and audited as such).
        fields += _opened_by_reply(conversation, by=message.sender_agent, reason="agent_reply")
    return fields + _read_by_sender(conversation, side="agent", other="visitor", up_to=message.pk)


def _visitor_message_record(conversation: Conversation, *, message) -> tuple[list[str], bool]:
    """A visitor's message: its keywords may raise the priority, a reply ends a wait or a
    snooze, and the visitor has read up to it. Returns the changed fields and whether a
    snoozed conversation woke into the queue (then routed once saved)."""
    fields = []
    raised = routing.keyword_priority(
        text=message.body, rules=_active_priority_rules(), floor=conversation.priority
    )
    if raised != conversation.priority:
        conversation.priority = raised
        fields.append("priority")
    woke_to_queue = False
    if conversation.status == Status.PENDING:
        fields += _opened_by_reply(conversation, by=None, reason="visitor_reply")
    elif conversation.status == Status.SNOOZED:
        # The customer wrote: the snooze ends now, back to its agent or the queue.
        target = Status.OPEN if conversation.assignee_id else Status.QUEUED
        fields += conversation_transition(
            conversation=conversation, to=target, by=None, reason="visitor_reply", save=False
        )
        woke_to_queue = target == Status.QUEUED
    fields += _read_by_sender(conversation, side="visitor", other="agent", up_to=message.pk)
    return fields, woke_to_queue


def _opened_by_reply(conversation: Conversation, *, by, reason: str) -> list[str]:
    return conversation_transition(
        conversation=conversation, to=Status.OPEN, by=by, reason=reason, save=False
    )


def _person_stored_fields(sender: str) -> list[str]:
    """What support.sql.message_insert_locked writes for a person's message."""
    return [*PERSON_FIELDS, *_read_fields(*READ_SIDES[sender])]


def _read_fields(side: str, other: str) -> list[str]:
    return [f"{side}_last_read_id", f"{side}_unread_count", f"{other}_unread_count"]


def _read_by_sender(conversation: Conversation, *, side: str, other: str, up_to: int) -> list[str]:
    """The sender's side has read up to its own message; the other side has one more unread."""
    setattr(conversation, f"{side}_last_read_id", up_to)
    setattr(conversation, f"{side}_unread_count", 0)
    unread = f"{other}_unread_count"
    setattr(conversation, unread, getattr(conversation, unread) + 1)
    return _read_fields(side, other)


PERSON_FIELDS = ("last_message_at", "last_message_preview", "last_message_preview_by_agent")
# The sides of a person's message: who wrote it (read up to it), who has one more unread.
READ_SIDES = {"agent": ("agent", "visitor"), "visitor": ("visitor", "agent")}


def message_person_fields(*, message, preview: str | None = None) -> dict:
    """What a person's message (an agent's, or a visitor's not pressing a bot button) sets on
    its conversation whatever its state, besides the read marks (_read_by_sender)."""
    values = (
        message.created_at,
        (message.body or preview or "")[:140],
        message.sender_type == "agent",
    )
    return dict(zip(PERSON_FIELDS, values, strict=True))


def conversation_record_message(
    *,
    conversation: Conversation,
    message,
    preview: str | None = None,
    pressed: bool = False,
    stored: bool = False,
) -> list[str]:
    """Fold a new message into its conversation's state. Called by message_send only.

    `preview` replaces the body in the inbox and history (a message of files only). The
    preview is what a person wrote: never a bot or system line, nor a bot button's label the
    visitor pressed (`pressed`).
    `stored`: the message's own statement already wrote message_person_fields and the read
    marks (support.sql.message_insert_locked): only what changes beyond them is saved.
    Returns the changed fields, so the caller knows whether to publish an update.
    """
    conversation.last_message_at = message.created_at
    fields = ["last_message_at"]
    sender = message.sender_type
    woke_to_queue = False
    if sender == "agent" or (sender == "visitor" and not pressed):
        person = message_person_fields(message=message, preview=preview)
        for name, value in person.items():
            setattr(conversation, name, value)
        fields += [name for name in person if name not in fields]
    if sender == "agent":
        fields += _agent_reply_record(conversation, message=message)
    elif sender == "visitor":
        changed, woke_to_queue = _visitor_message_record(conversation, message=message)
        fields += changed
    elif sender == "bot":
        conversation.visitor_unread_count += 1
        fields.append("visitor_unread_count")
    # save(update_fields=fields) without compiling its UPDATE for every message.
    written = set(_person_stored_fields(sender)) if stored else set()
    unsaved = [name for name in fields if name not in written]
    if unsaved:
        fields_save(instance=conversation, fields=unsaved)
    if woke_to_queue and not _assign_to_best_agent(conversation=conversation):
        _publish_queue_moved(team_id=conversation.team_id)
    return fields
