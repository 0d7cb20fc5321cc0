"""The console's inbox: its views, filters, order and counts."""

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    F,
    Prefetch,
    Q,
    QuerySet,
    Value,
)

from .. import models
from ..models import (
    AgentProfile,
    AttributeDefinition,
    Conversation,
)
from ..visibility import agent_team_ids, conversation_visible_to_agent_q
from .attributes import attribute_value_q

User = get_user_model()

OPEN_STATUSES = (
    Conversation.Status.BOT,
    Conversation.Status.QUEUED,
    Conversation.Status.OPEN,
    Conversation.Status.PENDING,
)

PRIORITY_ORDER = models.PRIORITY_ORDER
# Missed targets still needing action (Conversation.sla_breached) sort above everything.
SLA_BREACHED_ORDER = models.SLA_BREACHED_ORDER

INBOX_VIEWS = ("mine", "unassigned", "teams", "all")
# What an inbox row shows (support.templatetags.console.inbox_row), for .only().
INBOX_ROW_FIELDS = (
    "status",
    "channel",
    "priority",
    "contact",
    "topic",
    "team",
    "assignee",
    "created_at",
    "queued_at",
    "first_response_due_at",
    "resolution_due_at",
    "first_response_at",
    "last_message_at",
    "last_message_preview",
    "last_message_preview_by_agent",
    "first_response_breached_at",
    "resolution_breached_at",
    "agent_unread_count",
    "contact__name",
    "contact__email",
    "topic__slug",
    "topic__name_en",
    "topic__name_tr",
    "rating__score",
    "context_order_id",
    "context_table",
)
INBOX_STATUSES = ("active", *Conversation.Status.values)


def inbox_view_q(*, profile: AgentProfile, view: str) -> Q:
    if view == "mine":
        return Q(assignee_id=profile.user_id)
    if view == "unassigned":
        return Q(assignee__isnull=True)
    if view == "teams":
        return Q(team_id__in=agent_team_ids(profile=profile))
    return Q()


def conversation_list_for_inbox(
    *,
    profile: AgentProfile,
    view: str = "mine",
    status: str = "active",
    priority: str = "",
    topic: str = "",
    label: int | None = None,
    channel: str = "",
    attribute: tuple[AttributeDefinition, str] | None = None,
    limit: int = 50,
) -> QuerySet[Conversation]:
    """One inbox view: most urgent first; the unassigned queue first come, first served.
    `attribute`: (definition, value) keeps the conversations whose own or whose contact's
    attribute (by the definition's scope) has that value."""
    queryset = Conversation.objects.filter(
        conversation_visible_to_agent_q(profile), inbox_view_q(profile=profile, view=view)
    )
    if status == "active":
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif status in Conversation.Status.values:
        queryset = queryset.filter(status=status)
    if priority in Conversation.Priority.values:
        queryset = queryset.filter(priority=priority)
    if topic:
        queryset = queryset.filter(topic__slug=topic)
    if label:
        queryset = queryset.filter(labels__id=label)
    if channel in Conversation.Channel.values:
        queryset = queryset.filter(channel=channel)
    if attribute is not None:
        queryset = queryset.filter(attribute_value_q(*attribute))
    ordering = ["-sla_breached_rank", "-priority_rank"]
    if view == "unassigned" and status in ("active", Conversation.Status.QUEUED):
        ordering += ["queued_at", "id"]
    else:
        ordering += ["-last_message_at", "-id"]
    return (
        queryset.select_related("contact", "topic", "rating")
        # What the row shows (support.templatetags.console.inbox_row), not the 60 columns
        # of the four tables: a third of the list's ORM time went to parsing the rest. A
        # field read outside this list costs a query per row (tests compare 5 and 40 rows).
        .only(*INBOX_ROW_FIELDS)
        # Fetched apart, not joined: with the assignee's user and profile joined as well
        # (7 tables), PostgreSQL spent 5-7 ms planning this query for 0.8 ms running it
        # (EXPLAIN ANALYZE at 100k conversations); a page has a handful of assignees.
        .prefetch_related(
            Prefetch("assignee", queryset=User.objects.select_related("agent_profile")),
            # As a plain list (the row reads `label_list` first): a prefetched manager per
            # row costs ~30 µs each to build.
            Prefetch("labels", to_attr="label_list"),
        )
        .annotate(
            unread_count=F("agent_unread_count"),
            priority_rank=PRIORITY_ORDER,
            sla_breached_rank=SLA_BREACHED_ORDER,
        )
        .order_by(*ordering)[:limit]
    )


def inbox_counts(*, profile: AgentProfile) -> dict[str, int]:
    """Active conversations per inbox view, in one query."""
    visible = Conversation.objects.filter(
        conversation_visible_to_agent_q(profile), status__in=OPEN_STATUSES
    )
    return visible.aggregate(
        **{
            # COUNT(1), not COUNT(id): then every column read is in
            # conversation_active_owner_idx, and PostgreSQL counts from the index alone.
            view: Count(Value(1), filter=inbox_view_q(profile=profile, view=view))
            for view in INBOX_VIEWS
        }
    )
