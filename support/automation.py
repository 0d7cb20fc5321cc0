"""Services run by background jobs: out-of-hours auto-replies, SLA alerts, inactivity rules.

Celery tasks (`support.tasks`) are thin wrappers that pass ids; the rules live
here. Every service takes `now` (default: the current time) so tests can freeze the clock, and
every one is idempotent by a database guard: a conditional UPDATE (… WHERE x IS NULL) or a
status re-checked under a row lock. A task delivered twice, or two sweeps running at once,
change and announce each thing once.
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import hours, routing, selectors, tasks
from . import services as support_services
from .events import event_emit
from .languages import contact_language
from .models import AgentProfile, Conversation

logger = logging.getLogger(__name__)

Status = Conversation.Status

# Statuses in which a visitor is waiting for a person's first answer.
AWAITING_FIRST_RESPONSE = (Status.QUEUED, Status.OPEN)
# When the team never closes in the horizon, a "nobody online" reply repeats at most daily.
NOBODY_ONLINE_REPEAT = timedelta(days=1)


# --- Out-of-hours auto-reply -------------------------------------------------------------


@dataclass(frozen=True)
class AutoReply:
    """Why an auto-reply is due and until when it covers (the guard's new value)."""

    reason: str  # "closed" or "nobody_online"
    until: datetime
    next_open_at: datetime | None = None


def after_hours_reply_due(*, conversation: Conversation, now: datetime | None = None):
    """The auto-reply a visitor message in this conversation calls for now, or None.

    Due while a visitor waits for a first answer (queued, or open with no reply yet) and the
    conversation's team is closed, or (when the team asks for it) open with nobody online; and
    only once per period: not while the guard names an opening time still ahead.
    Conversations without a team follow no hours and get no auto-reply.
    """
    now = now or timezone.now()
    if conversation.team_id is None or conversation.first_response_at is not None:
        return None
    if conversation.status not in AWAITING_FIRST_RESPONSE:
        return None
    guard = conversation.after_hours_reply_until
    if guard is not None and guard >= now:
        return None
    team = conversation.team
    status = hours.team_opening_status(team=team, at=now)
    if not status.is_open:
        # No opening within the horizon: the reply covers the horizon.
        until = status.next_open_at or now + hours.HORIZON
        return AutoReply(reason="closed", until=until, next_open_at=status.next_open_at)
    if team.auto_reply_when_nobody_online and not selectors.team_has_online_agent(
        team_id=team.pk, now=now
    ):
        until = status.closes_at or now + NOBODY_ONLINE_REPEAT
        return AutoReply(reason="nobody_online", until=until)
    return None


def after_hours_reply_enqueue(*, conversation: Conversation, message_id: int) -> bool:
    """Schedule the auto-reply task after commit when a visitor message calls for one."""
    if after_hours_reply_due(conversation=conversation) is None:
        return False
    tasks.after_hours_reply.delay_on_commit(conversation.pk, message_id)
    return True


def visitor_time_zone(conversation: Conversation):
    """The visitor's time zone (their device's), else their team's."""
    name = (conversation.contact.device or {}).get("timezone") or ""
    try:
        return ZoneInfo(name) if name else hours.team_time_zone(conversation.team)
    except (ZoneInfoNotFoundError, ValueError):
        return hours.team_time_zone(conversation.team)


def after_hours_reply_text(*, conversation: Conversation, reply: AutoReply) -> str:
    """The bot's words in the visitor's language, the opening time in the visitor's zone."""
    language = contact_language(conversation.contact)
    if reply.reason == "nobody_online":
        with translation.override(language):
            return _(
                "Nobody from our team is online right now. Leave your message here and we'll "
                "reply as soon as someone is back."
            )
    return closed_text(
        conversation=conversation, next_open_at=reply.next_open_at, language=language
    )


def closed_text(*, conversation: Conversation, next_open_at, language: str) -> str:
    """What a visitor writing while the team is closed is told (the auto-reply, the bot's
    hand-off), in their language: the team's own message, or ours, and when it opens again in
    their time zone. Ours says once to leave a message."""
    team = conversation.team
    own = hours.team_out_of_hours_message(team=team, language=language)
    if next_open_at is None:
        return own or hours.out_of_hours_message(team=team, language=language)
    with translation.override(language):
        local = timezone.localtime(next_open_at, visitor_time_zone(conversation))
        when = {"when": date_format(local, "l j F H:i")}
        if own:
            return (
                f"{own} "
                + _("We're back %(when)s. Leave your message here and we'll reply.") % when
            )
        return (
            _("We're away right now. We're back %(when)s. Leave a message and we'll reply.") % when
        )


def after_hours_reply_mark(*, conversation: Conversation, until: datetime, now: datetime) -> bool:
    """Claim this period's auto-reply: True for the one caller that sets the guard."""
    claimed = (
        Conversation.objects.filter(pk=conversation.pk)
        .filter(Q(after_hours_reply_until__isnull=True) | Q(after_hours_reply_until__lt=now))
        .update(after_hours_reply_until=until)
    )
    conversation.after_hours_reply_until = until
    return bool(claimed)


def after_hours_reply_send(
    *, conversation_id: int, message_id: int, now: datetime | None = None
) -> bool:
    """Send the auto-reply for a visitor message, at most once per closed period.

    Re-checks everything at run time (an agent may have answered, the team may have opened)
    and claims the period with a conditional UPDATE in the same transaction as the message,
    so a redelivered task or a second message in the same period sends nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("team", "contact")
            .filter(pk=conversation_id)
            .first()
        )
        if conversation is None:
            return False
        reply = after_hours_reply_due(conversation=conversation, now=now)
        if reply is None:
            return False
        if not after_hours_reply_mark(conversation=conversation, until=reply.until, now=now):
            return False
        support_services.message_send(
            conversation=conversation,
            sender_type="bot",
            body=after_hours_reply_text(conversation=conversation, reply=reply),
            client_id=f"after-hours-{message_id}",
        )
    return True


# --- SLA alerts --------------------------------------------------------------------------

SLA_KINDS = {
    # kind: (mark field, due field, extra condition)
    "first_response": (
        "first_response_breached_at",
        "first_response_due_at",
        Q(first_response_at__isnull=True),
    ),
    "resolution": ("resolution_breached_at", "resolution_due_at", Q()),
}


def _sla_mark(*, kind: str, now: datetime) -> list[int]:
    """Mark the newly missed targets of one kind; returns the ids this call marked."""
    mark, due, condition = SLA_KINDS[kind]
    candidates = (
        # Snoozed conversations' clocks are paused (they move on when it wakes).
        Conversation.objects.exclude(status__in=(Status.RESOLVED, Status.SNOOZED))
        .filter(condition, **{f"{due}__lt": now, f"{mark}__isnull": True})
        # Rows another sweep holds are its own; it marks them.
        .select_for_update(skip_locked=True)
        .order_by("pk")
    )
    ids = list(candidates.values_list("pk", flat=True))
    if ids:
        # Under the row locks: every one of these is still unmarked, so all are ours.
        Conversation.objects.filter(pk__in=ids, **{f"{mark}__isnull": True}).update(**{mark: now})
    return ids


def sla_sweep(*, now: datetime | None = None) -> dict[str, list[int]]:
    """Mark missed first-response and resolution targets; alert consoles and supervisors.

    Each breach is marked once (… WHERE marked IS NULL) and announced once, after commit, by
    `conversation.sla_breached`: a live update (the console's "breached" badge, chat) and an
    email to the team's supervisors (sla_breach_email, support.listeners).
    """
    now = now or timezone.now()
    marked: dict[str, list[int]] = {}
    with transaction.atomic():
        for kind in SLA_KINDS:
            marked[kind] = _sla_mark(kind=kind, now=now)
            for conversation_id in marked[kind]:
                # After commit: the console's "breached" badge and the supervisors' e-mail.
                event_emit("conversation.sla_breached", conversation_id=conversation_id, kind=kind)
    return marked


def sla_breach_email(*, conversation_id: int, kind: str) -> int:
    """Tell the conversation's team supervisors (all of them when unrouted) by email."""
    conversation = (
        Conversation.objects.select_related("contact", "team").filter(pk=conversation_id).first()
    )
    if conversation is None:
        return 0
    recipients = selectors.supervisor_emails(team_id=conversation.team_id)
    if not recipients:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        what = _("First response overdue") if kind == "first_response" else _("Resolution overdue")
        subject = f"[Destek] {what}: #{conversation.pk} {conversation.contact.display_name}"
        due = (
            conversation.first_response_due_at
            if kind == "first_response"
            else conversation.resolution_due_at
        )
        body = _(
            "%(what)s for conversation #%(id)s (%(team)s, priority %(priority)s).\n"
            "Due at %(due)s.\n"
        ) % {
            "what": what,
            "id": conversation.pk,
            "team": conversation.team.local_name if conversation.team else _("no team"),
            "priority": conversation.get_priority_display(),
            "due": date_format(timezone.localtime(due), "DATETIME_FORMAT") if due else "—",
        }
    return send_mail(subject, body, None, recipients)


# --- Inactivity --------------------------------------------------------------------------


def _each_locked(condition: Q, *related: str) -> Iterator[Conversation]:
    """Each conversation matching `condition`, row-locked in a transaction of its own that
    holds while the caller works on it (an error there rolls that one back); one answered,
    resolved or being handled by another worker meanwhile is skipped."""
    for conversation_id in Conversation.objects.filter(condition).values_list("pk", flat=True):
        with transaction.atomic():
            conversation = (
                Conversation.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related(*related)
                .filter(condition, pk=conversation_id)
                .first()
            )
            if conversation is not None:
                yield conversation


def pending_auto_resolve(*, now: datetime | None = None) -> list[int]:
    """Resolve pending conversations the visitor left unanswered for N hours (0 = off)."""
    now = now or timezone.now()
    hours_setting = settings.DESTEK["PENDING_AUTO_RESOLVE_HOURS"]
    if not hours_setting:
        return []
    cutoff = now - timedelta(hours=hours_setting)
    stale = Q(status=Status.PENDING, last_message_at__lt=cutoff)
    resolved = []
    for conversation in _each_locked(stale, "contact"):
        support_services.conversation_set_status(
            conversation=conversation, status=Status.RESOLVED, reason="inactivity"
        )
        with translation.override(contact_language(conversation.contact)):
            body = _(
                "We haven't heard from you for a while, so we've closed this conversation. "
                "Write to us any time if you still need help."
            )
        support_services.message_send(conversation=conversation, sender_type="system", body=body)
        resolved.append(conversation.pk)
    return resolved


def offline_agents_requeue(*, now: datetime | None = None) -> list[int]:
    """Put open conversations of agents whose console went away M minutes ago back in the queue.

    "Went away" is a stale console heartbeat (`routing.PRESENCE_TIMEOUT`), whatever presence
    they chose; the conversations queue again and go to an online agent if there is one.
    """
    now = now or timezone.now()
    minutes = settings.DESTEK["OFFLINE_REQUEUE_MINUTES"]
    if not minutes:
        return []
    gone_before = now - routing.PRESENCE_TIMEOUT - timedelta(minutes=minutes)
    gone = AgentProfile.objects.filter(
        Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=gone_before)
    ).values("user_id")
    abandoned = Q(status=Status.OPEN, assignee_id__in=gone)
    requeued = []
    for conversation in _each_locked(abandoned):
        support_services.conversation_unassign(conversation=conversation, by_user=None)
        requeued.append(conversation.pk)
    return requeued


def inactivity_sweep(*, now: datetime | None = None) -> dict[str, list[int]]:
    return {"resolved": pending_auto_resolve(now=now)}
