"""Console search (support.search): messages and contacts, access-checked, newest first."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from .. import errors, search
from ..edge import row_id
from ..models import (
    AgentProfile,
    Contact,
    Conversation,
    Message,
    Topic,
)
from ..visibility import conversation_visible_to_agent_q
from .agents import agent_list_for_assignment, team_list
from .attributes import conversation_reference_q
from .conversations import conversation_get_for_agent

User = get_user_model()


@dataclass(frozen=True)
class SearchFilters:
    """Narrowing of a console search; empty values mean "any"."""

    status: str = ""
    team_id: int | None = None
    topic: str = ""
    # An agent's user id, or UNASSIGNED.
    assignee: int | str | None = None
    since: datetime | None = None
    until: datetime | None = None


UNASSIGNED = "none"


@dataclass(frozen=True)
class MessageHit:
    message: Message
    conversation: Conversation
    snippet: str


@dataclass(frozen=True)
class MessageSearchPage:
    hits: list[MessageHit]
    # Pass as `before` for the next (older) page; None on the last page.
    next_before: int | None


def _conversation_filters_q(filters: SearchFilters, *, prefix: str = "") -> Q:
    condition = Q()
    if filters.status in Conversation.Status.values:
        condition &= Q(**{f"{prefix}status": filters.status})
    if filters.team_id is not None:
        condition &= Q(**{f"{prefix}team_id": filters.team_id})
    if filters.topic:
        condition &= Q(**{f"{prefix}topic__slug": filters.topic})
    if filters.assignee == UNASSIGNED:
        condition &= Q(**{f"{prefix}assignee__isnull": True})
    elif filters.assignee is not None:
        condition &= Q(**{f"{prefix}assignee_id": filters.assignee})
    return condition


def message_search(
    *,
    profile: AgentProfile,
    query: str,
    filters: SearchFilters | None = None,
    before: int | None = None,
    limit: int = 20,
) -> MessageSearchPage:
    """Messages matching `query` in the conversations the agent may see, newest first.

    One query, with each hit's conversation, contact, topic, team and assignee. Pages by
    message id (`before`), never by offset, so a page costs the same deep in the results.
    Notes and system lines are searched like any message an agent sees.
    """
    terms = search.query_terms(query[: search.MAX_QUERY_CHARS])
    if not terms:
        return MessageSearchPage(hits=[], next_before=None)
    filters = filters or SearchFilters()
    messages = Message.objects.filter(
        conversation_visible_to_agent_q(profile, prefix="conversation__"),
        _conversation_filters_q(filters, prefix="conversation__"),
    )
    if filters.since is not None:
        messages = messages.filter(created_at__gte=filters.since)
    if filters.until is not None:
        messages = messages.filter(created_at__lt=filters.until)
    if before is not None:
        messages = messages.filter(id__lt=before)
    found = list(
        search.matching(messages, terms)
        .select_related(
            "conversation__contact",
            "conversation__topic",
            "conversation__team",
            "conversation__assignee__agent_profile",
            "sender_agent__agent_profile",
        )
        .defer(
            "search_text",
            "search_document",
            "conversation__contact__search_text",
            "conversation__contact__search_document",
        )
        .order_by("-id")[: limit + 1]
    )
    more = len(found) > limit
    found = found[:limit]
    return MessageSearchPage(
        hits=[
            MessageHit(
                message=message,
                conversation=message.conversation,
                snippet=search.highlight(message.body, terms),
            )
            for message in found
        ],
        next_before=found[-1].pk if more else None,
    )


def contact_search(*, profile: AgentProfile, query: str, limit: int = 10) -> list[Contact]:
    """Contacts matching `query` (name, email, phone, user id) who have a conversation the
    agent may see, most recently seen first. Each has `conversation_count` (visible ones),
    `latest_conversation_id` and `snippet` (name and email, highlighted). One query."""
    terms = search.query_terms(query[: search.MAX_QUERY_CHARS])
    if not terms:
        return []
    visible = Conversation.objects.filter(
        conversation_visible_to_agent_q(profile), contact=OuterRef("pk")
    )
    latest = visible.order_by("-last_message_at", "-id").values("id")[:1]
    count = visible.order_by().values("contact").annotate(n=Count("id")).values("n")
    contacts = list(
        search.matching(Contact.objects.all(), terms)
        .annotate(
            latest_conversation_id=Subquery(latest, output_field=IntegerField()),
            conversation_count=Coalesce(Subquery(count, output_field=IntegerField()), Value(0)),
        )
        .filter(latest_conversation_id__isnull=False)
        .defer("search_text", "search_document", "attributes", "device")
        .order_by(F("last_seen_at").desc(nulls_last=True), "-id")[:limit]
    )
    for contact in contacts:
        contact.snippet = search.highlight(
            " · ".join(part for part in (contact.name, contact.email, contact.phone) if part)
            or contact.display_name,
            terms,
        )
    return contacts


def conversation_search_by_number(*, profile: AgentProfile, query: str) -> Conversation | None:
    """ "#123" or "123": that conversation, when the agent may see it."""
    number = row_id(query.strip().lstrip("#"))
    if number is None:
        return None
    try:
        return conversation_get_for_agent(profile=profile, conversation_id=number)
    except errors.NotFound:
        return None


def conversation_search_by_context(
    *, profile: AgentProfile, query: str, limit: int = 20
) -> list[Conversation]:
    """ "1042", "#1042" or "T12": the conversations about that order or table (the host page's
    context, a pre-chat answer: attributes.conversation_reference_q), the agent's to see,
    newest first."""
    reference = query.strip().lstrip("#").strip()
    if not reference or len(reference) > 64:
        return []
    return list(
        Conversation.objects.filter(conversation_visible_to_agent_q(profile))
        .filter(conversation_reference_q(reference))
        .select_related("contact")
        .defer(
            "contact__search_text",
            "contact__search_document",
            "contact__attributes",
            "contact__device",
        )
        .order_by("-created_at", "-id")[:limit]
    )


def search_filter_choices() -> dict:
    """What the search form offers: teams, topics and agents."""
    return {
        "teams": team_list(),
        "topics": list(Topic.objects.order_by("order", "slug")),
        "agents": agent_list_for_assignment(),
    }


# The contact panel beside a conversation
