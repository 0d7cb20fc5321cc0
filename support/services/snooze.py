"""Snooze: a conversation leaves the inbox until a time or until the customer writes.

Snoozed is a status of its own (STATUS_TRANSITIONS), not a flag on an open conversation:
every list of active work (the inbox, its counts, the queue, the SLA sweep, agent capacity)
already reads the status, so a snoozed conversation leaves all of them through the one gate,
with its audit record, and nothing has to remember to skip a flag. Leaving snoozed by any
path moves its response targets on by the time spent snoozed (transitions._snooze_end).
"""

from datetime import UTC, datetime, timedelta, tzinfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import errors
from ..events import event_emit
from ..models import Conversation
from .queue import _agent_team_ids, _assign_to_best_agent, _publish_queue_moved, queue_drain
from .transitions import conversation_transition

Status = Conversation.Status

# Statuses a person works on; the bot's and resolved conversations are not snoozed.
SNOOZABLE_STATUSES = (Status.QUEUED, Status.OPEN, Status.PENDING)
# The console's quick choices, computed by snooze_presets.
SNOOZE_PRESETS = ("reply", "1h", "4h", "tomorrow", "next_week")
# The furthest a conversation may be snoozed: past this it is forgotten, not snoozed.
SNOOZE_MAX_DAYS = 90


def snooze_until_clean(
    *, until, now: datetime | None = None, time_zone: tzinfo | None = None
) -> datetime | None:
    """A snooze end time as the console sends it: None ("until the customer writes") or an
    aware time in the future, at most SNOOZE_MAX_DAYS ahead; InvalidInput otherwise. A naive
    time is a wall-clock time in `time_zone` (the agent's; default: the current one)."""
    if until in (None, ""):
        return None
    if not isinstance(until, datetime):
        raise errors.InvalidInput(_("Choose when the conversation should come back."))
    if timezone.is_naive(until):
        until = timezone.make_aware(until, time_zone)
    now = now or timezone.now()
    if until <= now:
        raise errors.InvalidInput(
            _("The snooze must end in the future."), code="snooze_in_the_past"
        )
    if until > now + timedelta(days=SNOOZE_MAX_DAYS):
        raise errors.InvalidInput(
            _("A conversation can be snoozed for at most %(days)s days.")
            % {"days": SNOOZE_MAX_DAYS},
            code="snooze_too_long",
        )
    return until


def conversation_snooze(
    *, conversation: Conversation, by_user, until: datetime | None = None
) -> Conversation:
    """Snooze until `until` (None: until the customer writes). Snoozing a snoozed
    conversation changes its end time; a resolved or bot conversation cannot be snoozed."""
    until = snooze_until_clean(until=until)
    now = timezone.now()
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        previous = locked.status
        if previous not in (Status.SNOOZED, *SNOOZABLE_STATUSES):
            raise errors.IllegalTransition(
                _("Only an active conversation with a person can be snoozed."),
            )
        fields = ["snoozed_until"]
        locked.snoozed_until = until
        if previous != Status.SNOOZED:
            locked.snoozed_at = now
            fields.append("snoozed_at")
            fields += conversation_transition(
                conversation=locked, to=Status.SNOOZED, by=by_user, reason="snoozed", save=False
            )
        locked.save(update_fields=fields)
        event_emit("conversation.updated", conversation_id=locked.pk)
        if previous == Status.QUEUED:
            _publish_queue_moved(team_id=locked.team_id)
        if previous == Status.OPEN and locked.assignee_id:
            # One open conversation fewer: the agent has room for the head of their queues.
            queue_drain(team_ids=_agent_team_ids(locked.assignee_id))
    return locked


def snooze_wake_fields(*, conversation: Conversation, by, reason: str) -> list[str]:
    """Wake a locked, snoozed conversation in the caller's transaction (unsaved fields): back
    to its agent when it has one, else into the queue at the place it had."""
    target = Status.OPEN if conversation.assignee_id else Status.QUEUED
    return conversation_transition(
        conversation=conversation, to=target, by=by, reason=reason, save=False
    )


def conversation_wake(*, conversation: Conversation, by_user=None, reason: str) -> Conversation:
    """Bring a snoozed conversation back now (its time came, or an agent unsnoozed it)."""
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.status != Status.SNOOZED:
            return locked
        fields = snooze_wake_fields(conversation=locked, by=by_user, reason=reason)
        locked.save(update_fields=fields)
        event_emit("conversation.updated", conversation_id=locked.pk)
        if locked.status == Status.QUEUED and not _assign_to_best_agent(conversation=locked):
            _publish_queue_moved(team_id=locked.team_id)
    return locked


def snoozed_wake_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """The Celery beat sweep: wake the snoozed conversations whose time has come."""
    now = now or timezone.now()
    due = Conversation.objects.filter(status=Status.SNOOZED, snoozed_until__lte=now)
    woken = []
    for conversation_id in due.order_by("snoozed_until").values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            # Rows another sweep (or a customer's message) holds are being woken there.
            conversation = (
                Conversation.objects.select_for_update(skip_locked=True)
                .filter(pk=conversation_id, status=Status.SNOOZED, snoozed_until__lte=now)
                .first()
            )
            if conversation is None:
                continue
            conversation_wake(conversation=conversation, reason="snooze_ended")
            woken.append(conversation_id)
    return woken


def snooze_presets(*, time_zone: tzinfo, now: datetime | None = None) -> dict[str, datetime | None]:
    """The console's quick choices (SNOOZE_PRESETS) in the agent's time zone: "tomorrow" and
    "next week" are 09:00 on the agent's clock, whatever the server's zone."""
    now = (now or timezone.now()).astimezone(UTC)
    local = now.astimezone(time_zone)
    nine = {"hour": 9, "minute": 0, "second": 0, "microsecond": 0, "fold": 0}
    days_to_monday = (7 - local.weekday()) or 7
    return {
        "reply": None,
        # Hours count elapsed time (a daylight saving change in between does not move them).
        "1h": now + timedelta(hours=1),
        "4h": now + timedelta(hours=4),
        "tomorrow": (local + timedelta(days=1)).replace(**nine),
        "next_week": (local + timedelta(days=days_to_monday)).replace(**nine),
    }
