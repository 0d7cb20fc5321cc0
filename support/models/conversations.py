from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .contacts import Contact
from .teams import PRIORITY_ORDER, Priority, Team, Topic

SLA_BREACHED_ORDER = models.Case(
    models.When(
        Q(resolution_breached_at__isnull=False)
        | Q(first_response_breached_at__isnull=False, first_response_at__isnull=True),
        then=models.Value(1),
    ),
    default=models.Value(0),
    output_field=models.IntegerField(),
)
# Conversation.Status values still needing someone (support.selectors.OPEN_STATUSES).
ACTIVE_STATUSES = ("bot", "queued", "open", "pending")


class Conversation(models.Model):
    """A support request: one thread between a contact and the helpdesk."""

    class Status(models.TextChoices):
        BOT = "bot", _("With bot")
        QUEUED = "queued", _("Queued")
        OPEN = "open", _("Open")
        PENDING = "pending", _("Pending")
        RESOLVED = "resolved", _("Resolved")
        # Out of the inbox until snoozed_until, or until the customer writes (no time).
        SNOOZED = "snoozed", _("Snoozed")

    class Channel(models.TextChoices):
        """Where the customer writes from; what each can carry is in support.channels."""

        WIDGET = "widget", _("Chat widget")
        WHATSAPP = "whatsapp", _("WhatsApp")
        EMAIL = "email", _("E-mail")

    Priority = Priority

    # No index of its own on contact and team: conversation_contact_idx and
    # conversation_queue_idx begin with them, and every message's UPDATE (never a HOT one: it
    # changes last_message_at) writes an entry into each index of this table.
    contact = models.ForeignKey(
        Contact, related_name="conversations", on_delete=models.CASCADE, db_index=False
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.WIDGET
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), null=True, blank=True, on_delete=models.SET_NULL
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        related_name="assigned_conversations",
        on_delete=models.SET_NULL,
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When it last entered the queue: first come, first served within a priority.
    queued_at = models.DateTimeField(null=True, blank=True)
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    # Newest activity: what the inbox sorts by.
    last_message_at = models.DateTimeField(null=True, blank=True)
    # The latest visitor message, or the agent's reply (then `last_message_preview_by_agent`):
    # what an agent triages by, never a bot or system line.
    last_message_preview = models.CharField(max_length=140, blank=True)
    last_message_preview_by_agent = models.BooleanField(default=False)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    # SLA sweep marks (support.automation.sla_sweep): set once, when the target was missed.
    first_response_breached_at = models.DateTimeField(
        _("first response target missed"), null=True, blank=True
    )
    resolution_breached_at = models.DateTimeField(
        _("resolution target missed"), null=True, blank=True
    )
    # The guard of the out-of-hours auto-reply: the opening time an auto-reply already named.
    # Another one is due only once that time has passed (one auto-reply per closed period).
    after_hours_reply_until = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    # While snoozed (support.services.snooze): since when (its response targets move on by the
    # time spent snoozed) and until when; no end time means "until the customer writes".
    snoozed_at = models.DateTimeField(_("snoozed"), null=True, blank=True)
    snoozed_until = models.DateTimeField(_("snoozed until"), null=True, blank=True)
    # Durations for reports, stamped when the first agent reply / the resolution happens
    # (support.services): wall-clock seconds, and seconds while the team was open
    # (support.hours.team_open_seconds). First response runs from entering the queue (creation
    # when never queued) to the first agent message; bot and system messages never count.
    # Resolution runs from creation to the latest resolution and is cleared by a reopen.
    first_response_seconds = models.PositiveIntegerField(
        _("first response time (s)"), null=True, blank=True
    )
    first_response_business_seconds = models.PositiveIntegerField(
        _("first response time in business hours (s)"), null=True, blank=True
    )
    resolution_seconds = models.PositiveIntegerField(
        _("resolution time (s)"), null=True, blank=True
    )
    resolution_business_seconds = models.PositiveIntegerField(
        _("resolution time in business hours (s)"), null=True, blank=True
    )
    # The rating prompt's guard (ratings.services.rating_prompt_send): set once, when sent.
    rating_prompted_at = models.DateTimeField(_("rating prompt sent"), null=True, blank=True)
    # Deflection: the visitor said a help article solved it, no person needed.
    resolved_by_bot = models.BooleanField(_("resolved by the bot"), default=False)
    bot_turns = models.PositiveSmallIntegerField(default=0)
    # Read state per side: the id of the last message that side has seen.
    visitor_last_read_id = models.BigIntegerField(default=0)
    agent_last_read_id = models.BigIntegerField(default=0)
    # Unread messages per side, kept by conversation_record_message and conversation_mark_read
    # so that inbox rows and the widget's list read a column instead of counting messages:
    # the agent's are visitor messages after agent_last_read_id, the visitor's are agent and
    # bot messages after visitor_last_read_id.
    agent_unread_count = models.PositiveIntegerField(default=0)
    visitor_unread_count = models.PositiveIntegerField(default=0)
    # Typed by AttributeDefinition(scope=conversation) where defined (pre-chat answers such
    # as the order or table number, agents' edits).
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    labels = models.ManyToManyField(
        "Label", verbose_name=_("labels"), blank=True, related_name="conversations"
    )
    # What the host page attached (Destek.setConversationContext): support.conversation_context.
    context_order_id = models.CharField(_("order reference"), max_length=64, blank=True, default="")
    context_table = models.CharField(_("table reference"), max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [
            models.Index(fields=["contact", "-created_at"], name="conversation_contact_idx"),
            models.Index(fields=["team", "status", "queued_at"], name="conversation_queue_idx"),
            # The inbox's first page in order (support.selectors.conversation_list_for_inbox):
            # active conversations by newest activity, the unassigned queue first come first
            # served, and any single status (e.g. resolved) by newest activity (and the pending
            # auto-resolve's status = pending, last_message_at < cutoff: a few thousand rows).
            models.Index(
                SLA_BREACHED_ORDER.desc(),
                PRIORITY_ORDER.desc(),
                F("last_message_at").desc(),
                F("id").desc(),
                condition=Q(status__in=ACTIVE_STATUSES),
                name="conversation_active_inbox_idx",
            ),
            models.Index(
                SLA_BREACHED_ORDER.desc(),
                PRIORITY_ORDER.desc(),
                F("queued_at"),
                F("id"),
                condition=Q(status__in=ACTIVE_STATUSES, assignee__isnull=True),
                name="conversation_unassigned_idx",
            ),
            models.Index(
                F("status"),
                SLA_BREACHED_ORDER.desc(),
                PRIORITY_ORDER.desc(),
                F("last_message_at").desc(),
                F("id").desc(),
                name="conversation_status_inbox_idx",
            ),
            # "Mine": an agent's active conversations, a few among their thousands resolved;
            # and the inbox tab counts (support.selectors.inbox_counts) read only this index
            # (an index-only scan: 0.9 ms instead of 6 ms over 6,650 active of 100k).
            models.Index(
                fields=["assignee", "team"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="conversation_active_owner_idx",
            ),
            # Reports: conversations started / resolved in a date range.
            models.Index(fields=["created_at"], name="conversation_created_idx"),
            models.Index(fields=["resolved_at"], name="conversation_resolved_idx"),
            # Search by the order or table the host page attached; most conversations have none.
            models.Index(
                fields=["context_order_id"],
                condition=~Q(context_order_id=""),
                name="conversation_order_idx",
            ),
            models.Index(
                fields=["context_table"],
                condition=~Q(context_table=""),
                name="conversation_table_idx",
            ),
            # The wake-up sweep reads the few snoozed conversations whose time has come.
            models.Index(
                fields=["snoozed_until"],
                condition=Q(status="snoozed"),
                name="conversation_snoozed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def is_resolved(self) -> bool:
        return self.status == self.Status.RESOLVED

    @property
    def reopen_until(self):
        """Until when the visitor may reopen it (settings DESTEK REOPEN_WINDOW_SECONDS);
        None unless resolved. Agents may reopen any time."""
        if not self.is_resolved or self.resolved_at is None:
            return None
        return self.resolved_at + timedelta(seconds=settings.DESTEK["REOPEN_WINDOW_SECONDS"])

    @property
    def sla_breached(self) -> bool:
        """A missed target that still needs action: no first reply yet, or not resolved yet."""
        if self.is_resolved:
            return False
        first_late = self.first_response_breached_at is not None and self.first_response_at is None
        return first_late or self.resolution_breached_at is not None
