import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .context_url import context_url_validate
from .edge import ScrubbingJSONDecoder
from .languages import language_code
from .search_document import SearchDocument
from .text import search_words


def generate_widget_secret() -> str:
    return secrets.token_hex(32)


class Widget(models.Model):
    """One embeddable chat widget: a site or an app that talks to the helpdesk."""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=120)
    # Shared with the host app's server, which signs user ids with it (HMAC-SHA256).
    secret = models.CharField(_("identity secret"), max_length=128, default=generate_widget_secret)
    allowed_origins = models.JSONField(
        _("allowed origins"),
        default=list,
        blank=True,
        help_text=_('Origins allowed to embed the widget, e.g. ["https://shop.example.com"].'),
    )
    is_active = models.BooleanField(_("active"), default=True)
    require_verified_identity = models.BooleanField(
        _("require verified identity"),
        default=False,
        help_text=_(
            "Only visitors whose host app signed their user id (HMAC) may chat: every widget "
            "call and socket of an anonymous visitor is refused."
        ),
    )
    bot_enabled = models.BooleanField(
        _("greeting bot"),
        default=True,
        help_text=_("Greet new chats, suggest help articles and hand over to a person."),
    )
    greeting_en = models.CharField(_("greeting (English)"), max_length=500, blank=True)
    greeting_tr = models.CharField(_("greeting (Turkish)"), max_length=500, blank=True)

    class Position(models.TextChoices):
        RIGHT = "right", _("Bottom right")
        LEFT = "left", _("Bottom left")

    # The launcher on the host page (static/widget/loader.js); data attributes override them.
    launcher_position = models.CharField(
        _("launcher position"), max_length=8, choices=Position.choices, default=Position.RIGHT
    )
    launcher_color = models.CharField(
        _("launcher colour"),
        max_length=7,
        default="#4338ca",
        validators=[
            RegexValidator(
                r"^#[0-9a-fA-F]{6}$", _("A colour such as #4338ca (# and 6 hex digits).")
            )
        ],
    )
    launcher_text_en = models.CharField(
        _("launcher text (English)"),
        max_length=40,
        blank=True,
        help_text=_("Shown next to the chat icon, e.g. “Chat with us”. Empty: the icon only."),
    )
    launcher_text_tr = models.CharField(_("launcher text (Turkish)"), max_length=40, blank=True)
    context_url = models.URLField(
        _("context card URL"),
        max_length=500,
        blank=True,
        validators=[context_url_validate],
        help_text=_(
            "Your server's HTTPS endpoint that answers with the contact's orders and account "
            "facts, shown to agents beside the chat (docs/integrations.md, “Context cards”)."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("widget")
        verbose_name_plural = _("widgets")

    def __str__(self) -> str:
        return self.name

    def greeting_for(self, language: str | None) -> str:
        return self.greeting_tr if (language or "").startswith("tr") else self.greeting_en

    def launcher_text_for(self, language: str | None) -> str:
        if (language or "").startswith("tr") and self.launcher_text_tr:
            return self.launcher_text_tr
        return self.launcher_text_en


def default_time_zone() -> str:
    return settings.TIME_ZONE


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


# Higher first in queues and inboxes.
PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}

# The inbox's sort keys (support.selectors): urgent first, missed targets above everything.
# Conversation's inbox indexes hold these same expressions, so PostgreSQL reads the first page
# in order from an index instead of sorting every active conversation.
PRIORITY_ORDER = models.Case(
    *(
        models.When(priority=priority, then=models.Value(rank))
        for priority, rank in PRIORITY_RANK.items()
    ),
    default=models.Value(1),
    output_field=models.IntegerField(),
)
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


class NamedInTwoLanguages:
    """A name in English (`english_name`) and optionally in Turkish (`name_tr`)."""

    def name_for(self, language: str | None) -> str:
        if language_code(language) == "tr" and self.name_tr:
            return self.name_tr
        return self.english_name

    @property
    def local_name(self) -> str:
        """The name in the active language (the console's pills, filters, "Move to")."""
        return self.name_for(get_language())


class Team(NamedInTwoLanguages, models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    # The English name is `name`; blank falls back to it.
    name_tr = models.CharField(_("name (Turkish)"), max_length=120, blank=True)
    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    # Business hours: a team with no weekly intervals is always open.
    time_zone = models.CharField(_("time zone"), max_length=64, default=default_time_zone)
    out_of_hours_message_en = models.CharField(
        _("out-of-hours message (English)"), max_length=500, blank=True
    )
    out_of_hours_message_tr = models.CharField(
        _("out-of-hours message (Turkish)"), max_length=500, blank=True
    )
    auto_reply_when_nobody_online = models.BooleanField(
        _("auto-reply when nobody is online"),
        default=False,
        help_text=_(
            "During opening hours, answer a waiting visitor automatically when no agent of "
            "the team is online."
        ),
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def english_name(self) -> str:
        return self.name


class BusinessHoursInterval(models.Model):
    """One weekly opening interval of a team. Closing at or before opening spans midnight."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    team = models.ForeignKey(Team, related_name="hours", on_delete=models.CASCADE)
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))

    class Meta:
        verbose_name = _("opening interval")
        verbose_name_plural = _("business hours")
        ordering = ["weekday", "opens_at"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


class SpecialDay(models.Model):
    """A holiday (closed all day) or a day with its own hours, replacing the weekly ones."""

    team = models.ForeignKey(Team, related_name="special_days", on_delete=models.CASCADE)
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=120, blank=True)
    is_closed = models.BooleanField(_("closed all day"), default=True)
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)

    class Meta:
        verbose_name = _("holiday or special day")
        verbose_name_plural = _("holidays and special days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["team", "date"], name="special_day_unique_per_team"),
            models.CheckConstraint(
                condition=Q(is_closed=True)
                | (Q(opens_at__isnull=False) & Q(closes_at__isnull=False)),
                name="special_day_open_needs_hours",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class Topic(NamedInTwoLanguages, models.Model):
    """What the visitor needs help with (Payment, Order, …); routes to a team."""

    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_tr = models.CharField(_("name (Turkish)"), max_length=120)
    description_en = models.CharField(_("description (English)"), max_length=255, blank=True)
    description_tr = models.CharField(_("description (Turkish)"), max_length=255, blank=True)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL
    )
    icon = models.CharField(
        _("icon"),
        max_length=32,
        blank=True,
        help_text=_("An icon name, e.g. card, bag, tool, user."),
    )
    default_priority = models.CharField(
        _("default priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    allow_urgent = models.BooleanField(_("visitors may mark urgent"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.name_en

    @property
    def english_name(self) -> str:
        return self.name_en

    def description_for(self, language: str | None) -> str:
        if language_code(language) == "tr" and self.description_tr:
            return self.description_tr
        return self.description_en


class AgentProfile(models.Model):
    """Marks a user as a support agent (or supervisor) and holds their helpdesk settings."""

    class Role(models.TextChoices):
        AGENT = "agent", _("Agent")
        SUPERVISOR = "supervisor", _("Supervisor")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, related_name="agent_profile", on_delete=models.CASCADE
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    display_name = models.CharField(_("display name"), max_length=120, blank=True)
    teams = models.ManyToManyField(Team, verbose_name=_("teams"), blank=True, related_name="agents")
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), default=5, help_text=_("Most open conversations at once.")
    )

    class Presence(models.TextChoices):
        ONLINE = "online", _("Online")
        AWAY = "away", _("Away")
        OFFLINE = "offline", _("Offline")

    presence = models.CharField(
        _("presence"), max_length=8, choices=Presence.choices, default=Presence.ONLINE
    )
    # Kept fresh by the console socket's heartbeat; stale means the console is gone.
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_assigned_at = models.DateTimeField(null=True, blank=True)
    # Reports count days and hours in this zone (the supervisor's own day, not UTC's).
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=default_time_zone,
        help_text=_("Reports count days and hours in this zone, e.g. Europe/Istanbul."),
    )
    # The console's language; empty follows the browser (support.languages.agent_language).
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("The console's language. Empty: the browser's language."),
    )

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.user.get_full_name() or self.user.get_username()

    @property
    def is_supervisor(self) -> bool:
        return self.role == self.Role.SUPERVISOR


# What a contact's host-app attributes may hold (support.services cleans them; the REST API's
# schema states the same limits): this many names, each this long, texts this long.
MAX_ATTRIBUTES = 50
MAX_ATTRIBUTE_NAME_CHARS = 64
MAX_FIELD_CHARS = 500


class Contact(models.Model):
    """The end user behind a widget: anonymous, or identified by the host app's user id."""

    widget = models.ForeignKey(Widget, related_name="contacts", on_delete=models.CASCADE)
    external_id = models.CharField(_("external id"), max_length=191, blank=True)
    identified = models.BooleanField(_("verified identity"), default=False)
    name = models.CharField(_("name"), max_length=191, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=64, blank=True)
    # Visitor-written JSON: read through text_scrub (support/edge.py) for rows stored before
    # the edge refused lone surrogates.
    attributes = models.JSONField(
        _("attributes"), default=dict, blank=True, decoder=ScrubbingJSONDecoder
    )
    device = models.JSONField(
        _("last device"), default=dict, blank=True, decoder=ScrubbingJSONDecoder
    )
    locale = models.CharField(_("locale"), max_length=16, blank=True)
    # Bumped to revoke every visitor token issued for this contact (logout/reset).
    token_version = models.PositiveIntegerField(default=1)
    # Set by support.privacy.contact_erase: personal data gone, statistics kept.
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # Folded words of name, email, phone and external id (support.text.search_words), kept
    # by the services that write those fields, and their tsvector on PostgreSQL
    # (GIN-indexed there, migration 0008).
    search_text = models.TextField(editable=False, blank=True, default="")
    search_document = models.GeneratedField(
        expression=SearchDocument("search_text"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["widget", "external_id"],
                condition=~Q(external_id=""),
                name="contact_unique_external_id_per_widget",
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.email or f"Visitor #{self.pk}"

    def search_words(self) -> str:
        return search_words(self.name, self.email, self.phone, self.external_id)


class ContactChange(models.Model):
    """One edit of a contact's detail by an agent: who, when, which field, old → new."""

    class Field(models.TextChoices):
        NAME = "name", _("Name")
        EMAIL = "email", _("Email")

    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), related_name="changes", on_delete=models.CASCADE
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    field = models.CharField(_("field"), max_length=16, choices=Field.choices)
    old_value = models.CharField(_("old value"), max_length=254, blank=True)
    new_value = models.CharField(_("new value"), max_length=254, blank=True)
    created_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact change")
        verbose_name_plural = _("contact changes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["contact", "-id"], name="contact_change_contact_idx")]

    def __str__(self) -> str:
        return f"{self.get_field_display()}: {self.old_value} → {self.new_value}"


class Conversation(models.Model):
    """A support request: one thread between a contact and the helpdesk."""

    class Status(models.TextChoices):
        BOT = "bot", _("With bot")
        QUEUED = "queued", _("Queued")
        OPEN = "open", _("Open")
        PENDING = "pending", _("Pending")
        RESOLVED = "resolved", _("Resolved")

    Priority = Priority

    contact = models.ForeignKey(Contact, related_name="conversations", on_delete=models.CASCADE)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), null=True, blank=True, on_delete=models.SET_NULL
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL
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
            models.Index(fields=["status", "-last_message_at"], name="conversation_inbox_idx"),
            models.Index(fields=["contact", "-created_at"], name="conversation_contact_idx"),
            models.Index(fields=["team", "status", "queued_at"], name="conversation_queue_idx"),
            # The inbox's first page in order (support.selectors.conversation_list_for_inbox):
            # active conversations by newest activity, the unassigned queue first come first
            # served, and any single status (e.g. resolved) by newest activity.
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


class ResponseTarget(models.Model):
    """The service level for one priority: how fast the first reply and the resolution."""

    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, unique=True)
    first_response_seconds = models.PositiveIntegerField(_("first response within (seconds)"))
    resolution_seconds = models.PositiveIntegerField(_("resolution within (seconds)"))

    class Meta:
        verbose_name = _("response target")
        verbose_name_plural = _("response targets")

    def __str__(self) -> str:
        return self.get_priority_display()


class PriorityRule(models.Model):
    """Raise a new conversation's priority when the visitor's words contain a keyword."""

    keyword = models.CharField(_("keyword"), max_length=80)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("priority rule")
        verbose_name_plural = _("priority rules")
        ordering = ["keyword"]

    def __str__(self) -> str:
        return f"{self.keyword} → {self.get_priority_display()}"


class RateLimitBucket(models.Model):
    """A fixed-window hit counter shared by every process (login lockout, session creation)."""

    key = models.CharField(max_length=255, unique=True)
    window_started_at = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("rate limit counter")
        verbose_name_plural = _("rate limit counters")
        indexes = [models.Index(fields=["window_started_at"], name="ratelimit_window_idx")]

    def __str__(self) -> str:
        return f"{self.key}: {self.hits}"


class AuditEvent(models.Model):
    """Who viewed, changed, exported or erased a conversation or contact, and when.

    Ids, not foreign keys: the record outlives the rows it is about (erasure, retention).
    """

    class Action(models.TextChoices):
        CONVERSATION_VIEWED = "conversation.viewed", _("Conversation viewed")
        CONVERSATION_ASSIGNED = "conversation.assigned", _("Conversation assigned")
        CONVERSATION_TRANSFERRED = "conversation.transferred", _("Conversation transferred")
        CONVERSATION_STATUS_CHANGED = "conversation.status", _("Conversation status changed")
        CONVERSATION_PRIORITY_CHANGED = "conversation.priority", _("Priority changed")
        CONTACT_EXPORTED = "contact.exported", _("Contact data exported")
        CONTACT_ERASED = "contact.erased", _("Contact data erased")
        LOGIN_LOCKED = "login.locked", _("Login locked after failures")

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    # Kept when the user is deleted; "system" for jobs and commands without a user.
    actor_name = models.CharField(_("who (name)"), max_length=191, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    contact_ref = models.BigIntegerField(_("contact id"), null=True, blank=True, db_index=True)
    conversation_ref = models.BigIntegerField(
        _("conversation id"), null=True, blank=True, db_index=True
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"


HEX_COLOUR_VALIDATOR = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", _("A colour is written like #1f7a4d (a # and six hex digits).")
)


class Label(models.Model):
    """A tag supervisors define and agents put on conversations (billing, bug, vip…)."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    colour = models.CharField(
        _("colour"), max_length=7, default="#64748b", validators=[HEX_COLOUR_VALIDATOR]
    )

    class Meta:
        verbose_name = _("label")
        verbose_name_plural = _("labels")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CannedResponse(models.Model):
    """A quick reply: shared with one team (managed by supervisors) or personal to its owner."""

    title = models.CharField(_("title"), max_length=120)
    shortcut = models.SlugField(
        _("shortcut"),
        max_length=40,
        help_text=_("Typed after / in the composer, e.g. refund-steps."),
    )
    body_en = models.TextField(_("text (English)"))
    body_tr = models.TextField(
        _("text (Turkish)"),
        blank=True,
        help_text=_("Used for Turkish-speaking visitors; the English text when empty."),
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        related_name="canned_responses",
        on_delete=models.CASCADE,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        related_name="canned_responses",
        on_delete=models.CASCADE,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["shortcut", "pk"]
        constraints = [
            # Exactly one scope: a team's, or one agent's own.
            models.CheckConstraint(
                condition=Q(team__isnull=False, owner__isnull=True)
                | Q(team__isnull=True, owner__isnull=False),
                name="canned_response_team_xor_owner",
            ),
            models.UniqueConstraint(
                fields=["team", "shortcut"],
                condition=Q(team__isnull=False),
                name="canned_response_unique_shortcut_per_team",
            ),
            models.UniqueConstraint(
                fields=["owner", "shortcut"],
                condition=Q(owner__isnull=False),
                name="canned_response_unique_shortcut_per_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"/{self.shortcut} {self.title}"

    def body_for(self, language: str | None) -> str:
        if (language or "").lower().startswith("tr") and self.body_tr.strip():
            return self.body_tr
        return self.body_en


class Note(models.Model):
    """An internal note in a conversation: agents only, never the visitor.

    A model of its own, not a kind of chat Message: every visitor-facing read (widget API,
    socket resume, transcripts, previews, unread counts, first response, the bot) queries
    Message, so a note cannot reach a visitor by a forgotten filter.
    """

    conversation = models.ForeignKey(Conversation, related_name="notes", on_delete=models.CASCADE)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, related_name="+", on_delete=models.SET_NULL
    )
    body = models.TextField()
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    is_note = True

    class Meta:
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        indexes = [models.Index(fields=["conversation", "id"], name="note_conversation_id_idx")]

    def __str__(self) -> str:
        return self.body[:40]
