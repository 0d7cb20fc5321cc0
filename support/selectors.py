"""Reads shared by views, consumers and realtime: access-checked, with related rows loaded once."""

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from chat.models import Message

from . import errors
from .identity import visitor_token_read
from .models import AgentProfile, Contact, Conversation, Topic, Widget

OPEN_STATUSES = (
    Conversation.Status.BOT,
    Conversation.Status.QUEUED,
    Conversation.Status.OPEN,
    Conversation.Status.PENDING,
)


def widget_get_active(*, key: str) -> Widget:
    if not isinstance(key, str) or not key:
        raise errors.InvalidInput("widget_key is required.", code="widget_key_required")
    widget = Widget.objects.filter(key=key, is_active=True).first()
    if widget is None:
        raise errors.NotFound("No active widget has this key.", code="widget_not_found")
    return widget


def contact_get_by_visitor_token(*, token: str) -> Contact:
    payload = visitor_token_read(token)
    if payload is None:
        raise errors.NotAuthenticated("The visitor token is missing, invalid or expired.")
    contact = (
        Contact.objects.select_related("widget")
        .filter(pk=payload["c"], widget_id=payload["w"], widget__is_active=True)
        .first()
    )
    if contact is None or contact.token_version != payload["v"]:
        raise errors.NotAuthenticated("The visitor token has been revoked.")
    return contact


def topic_list_active() -> list[Topic]:
    return list(Topic.objects.filter(is_active=True).select_related("team"))


def _unread_subquery(*, reader_last_read_field: str, other_sender_types: tuple[str, ...]):
    counts = (
        Message.objects.filter(
            conversation=OuterRef("pk"),
            sender_type__in=other_sender_types,
            id__gt=OuterRef(reader_last_read_field),
        )
        .order_by()
        .values("conversation")
        .annotate(count=Count("id"))
        .values("count")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def conversation_list_for_contact(*, contact: Contact, limit: int = 50) -> list[Conversation]:
    """The visitor's own conversations, newest activity first, with their unread counts."""
    return list(
        contact.conversations.select_related("topic", "assignee__agent_profile")
        .annotate(
            unread_count=_unread_subquery(
                reader_last_read_field="visitor_last_read_id",
                other_sender_types=(Message.SenderType.AGENT, Message.SenderType.BOT),
            )
        )
        .order_by("-last_message_at", "-id")[:limit]
    )


def conversation_get_for_contact(*, contact: Contact, conversation_id) -> Conversation:
    try:
        conversation_id = int(conversation_id)
    except (TypeError, ValueError):
        raise errors.NotFound("No such conversation.") from None
    conversation = (
        Conversation.objects.select_related("topic", "assignee__agent_profile", "contact")
        .filter(pk=conversation_id, contact=contact)
        .first()
    )
    if conversation is None:
        # 404, not 403: another visitor's conversation ids are not confirmed to exist.
        raise errors.NotFound("No such conversation.")
    return conversation


def agent_profile_for_user(user) -> AgentProfile | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.agent_profile
    except AgentProfile.DoesNotExist:
        return None


def _visible_to_agent_q(profile: AgentProfile) -> Q:
    """Agents see their teams' conversations, unrouted ones and those assigned to them."""
    if profile.is_supervisor:
        return Q()
    team_ids = list(profile.teams.values_list("id", flat=True))
    return Q(team__isnull=True) | Q(team_id__in=team_ids) | Q(assignee_id=profile.user_id)


INBOX_VIEWS = ("open", "mine", "unassigned", "resolved", "all")


def conversation_list_for_inbox(
    *, profile: AgentProfile, view: str = "open", limit: int = 50
) -> QuerySet[Conversation]:
    queryset = Conversation.objects.filter(_visible_to_agent_q(profile))
    if view == "open":
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif view == "mine":
        queryset = queryset.filter(status__in=OPEN_STATUSES, assignee_id=profile.user_id)
    elif view == "unassigned":
        queryset = queryset.filter(status__in=OPEN_STATUSES, assignee__isnull=True)
    elif view == "resolved":
        queryset = queryset.filter(status=Conversation.Status.RESOLVED)
    return _with_inbox_columns(queryset).order_by("-last_message_at", "-id")[:limit]


def _with_inbox_columns(queryset: QuerySet[Conversation]) -> QuerySet[Conversation]:
    return queryset.select_related("contact", "topic", "team", "assignee__agent_profile").annotate(
        unread_count=_unread_subquery(
            reader_last_read_field="agent_last_read_id",
            other_sender_types=(Message.SenderType.VISITOR,),
        )
    )


def conversation_get_for_agent(*, profile: AgentProfile, conversation_id) -> Conversation:
    try:
        conversation_id = int(conversation_id)
    except (TypeError, ValueError):
        raise errors.NotFound("No such conversation.") from None
    conversation = (
        _with_inbox_columns(Conversation.objects.filter(_visible_to_agent_q(profile)))
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise errors.NotFound("No such conversation.")
    return conversation


def conversation_get_for_inbox_row(*, conversation_id: int) -> Conversation | None:
    """One conversation with the inbox's columns, for the live inbox fragment."""
    return _with_inbox_columns(Conversation.objects.filter(pk=conversation_id)).first()
