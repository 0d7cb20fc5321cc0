"""Reads of the integrations: API look-ups (limited to a token's widget), event snapshots
and the CRM exports. Related rows are selected here, once."""

from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from faq.models import Article
from ratings.models import Rating
from support import errors, visibility
from support.models import AgentProfile, Contact, Conversation, Message, Topic, Widget
from support.process_cache import ProcessCache

from .models import ApiToken, WebhookDelivery, WebhookEndpoint, api_token_hash

# The largest id a database column holds (BigAutoField): bigger ones cannot exist.
MAX_ID = 2**63 - 1

CONVERSATION_RELATED = ("contact__widget", "topic", "team", "assignee__agent_profile", "rating")


# --- Tokens and endpoints ------------------------------------------------------------------


def api_token_get_active(*, token: str) -> ApiToken | None:
    if not token:
        return None
    return (
        ApiToken.objects.select_related("widget")
        .filter(token_hash=api_token_hash(token), is_active=True)
        .first()
    )


# Read for every event (each message): kept per process for a few seconds (process_cache).
endpoints_active = ProcessCache(
    lambda: list(WebhookEndpoint.objects.filter(is_active=True)), models=(WebhookEndpoint,)
)


def webhook_endpoints_active() -> list[WebhookEndpoint]:
    """The switched-on endpoints; shared, read-only instances (do not change them)."""
    return endpoints_active.get()


def webhook_endpoints_disabled() -> list[WebhookEndpoint]:
    return list(WebhookEndpoint.objects.filter(disabled_at__isnull=False, is_active=False))


def webhook_delivery_ids_due(*, now: datetime, limit: int) -> list[int]:
    """Pending deliveries whose next attempt is due (a first attempt is due at once), oldest
    first: what the in-process sweep sends when there is no worker."""
    return list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )


# --- Event snapshots -----------------------------------------------------------------------


def message_for_event(*, message_id: int) -> Message:
    return Message.objects.select_related(
        "sender_agent__agent_profile", *(f"conversation__{name}" for name in CONVERSATION_RELATED)
    ).get(pk=message_id)


def conversation_for_event(*, conversation_id: int) -> Conversation:
    return Conversation.objects.select_related(*CONVERSATION_RELATED).get(pk=conversation_id)


def rating_for_event(*, rating_id: int) -> Rating:
    return Rating.objects.select_related(
        *(f"conversation__{name}" for name in CONVERSATION_RELATED)
    ).get(pk=rating_id)


def contact_for_event(*, contact_id: int) -> Contact:
    return Contact.objects.select_related("widget").get(pk=contact_id)


# --- The REST API (every read limited to what the token may see) --------------------------


def _given(**lookups) -> dict:
    """The lookups whose value the request gave: an empty filter parameter filters nothing."""
    return {lookup: value for lookup, value in lookups.items() if value}


def _widget_q(token: ApiToken, prefix: str = "") -> Q:
    return visibility.widget_scope_q(token.widget_id, prefix=prefix)


def widget_get_for_token(*, token: ApiToken, key: str) -> Widget:
    only_own = Q(pk=token.widget_id) if token.widget_id else Q()
    widget = Widget.objects.filter(only_own, key=key).first()
    if widget is None:
        raise errors.NotFound("No such widget.", code="widget_not_found")
    return widget


def agent_get(*, user_id: int):
    """The user of the agent named in a request body; 404 like any other id that names nothing
    (the console's form answers 400 instead: support.selectors.agent_user_get)."""
    profile = AgentProfile.objects.select_related("user").filter(user_id=user_id).first()
    if profile is None:
        raise errors.NotFound(_("No such agent."), code="agent_not_found")
    return profile.user


def topic_check_active(*, slug: str) -> None:
    """404 for a topic slug that names no active topic, as for any other name in a body that
    names nothing (the widget protocol answers 400 for it: support.services)."""
    if not Topic.objects.filter(slug=slug, is_active=True).exists():
        raise errors.NotFound(_("No such topic."), code="topic_not_found")


def contact_get_for_token(*, token: ApiToken, widget_key: str, external_id: str) -> Contact:
    widget = widget_get_for_token(token=token, key=widget_key)
    contact = (
        Contact.objects.select_related("widget")
        .filter(widget=widget, external_id=external_id)
        .exclude(external_id="")
        .first()
    )
    if contact is None:
        raise errors.NotFound("No contact has this external id.", code="contact_not_found")
    return contact


def conversation_list_for_token(
    *,
    token: ApiToken,
    status: str = "",
    widget_key: str = "",
    contact_external_id: str = "",
    context: str = "",
    assignee_id: int | None = None,
    team: str = "",
    topic: str = "",
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    updated_after: datetime | None = None,
) -> QuerySet[Conversation]:
    conversations = Conversation.objects.filter(
        _widget_q(token, "contact__"),
        **_given(
            status=status,
            contact__widget__key=widget_key,
            contact__external_id=contact_external_id,
            team__slug=team,
            topic__slug=topic,
            created_at__gte=created_after,
            created_at__lt=created_before,
            last_message_at__gte=updated_after,
        ),
    )
    if context:
        conversations = conversations.filter(Q(context_order_id=context) | Q(context_table=context))
    if assignee_id is not None:
        conversations = conversations.filter(assignee_id=assignee_id)
    return conversations.select_related(*CONVERSATION_RELATED)


def conversation_get_for_token(*, token: ApiToken, conversation_id: int) -> Conversation:
    if not 0 < conversation_id <= MAX_ID:
        raise errors.NotFound("No such conversation.")
    conversation = (
        Conversation.objects.filter(_widget_q(token, "contact__"), pk=conversation_id)
        .select_related(*CONVERSATION_RELATED)
        .first()
    )
    if conversation is None:
        raise errors.NotFound("No such conversation.")
    return conversation


def rating_list_for_token(
    *, token: ApiToken, created_after: datetime | None = None, widget_key: str = ""
) -> QuerySet[Rating]:
    return Rating.objects.filter(
        _widget_q(token, "conversation__contact__"),
        **_given(created_at__gte=created_after, conversation__contact__widget__key=widget_key),
    )


def article_list_published(*, language: str = "", category: str = "") -> QuerySet[Article]:
    return Article.objects.filter(
        is_published=True, **_given(language=language, category__slug=category)
    ).select_related("category", "topic")


def article_get_published(*, article_id: int) -> Article:
    if not 0 < article_id <= MAX_ID:
        raise errors.NotFound("No such article.", code="article_not_found")
    article = article_list_published().filter(pk=article_id).first()
    if article is None:
        raise errors.NotFound("No such article.", code="article_not_found")
    return article


# --- CRM export (streamed: iterate with .iterator(chunk_size)) -----------------------------


def _date_range(field: str, since: datetime | None, until: datetime | None) -> Q:
    q = Q()
    if since:
        q &= Q(**{f"{field}__gte": since})
    if until:
        q &= Q(**{f"{field}__lt": until})
    return q


def contacts_for_export(
    *, since: datetime | None = None, until: datetime | None = None
) -> QuerySet[Contact]:
    """Contacts created in [since, until), oldest first."""
    return (
        Contact.objects.filter(_date_range("created_at", since, until))
        .select_related("widget")
        .order_by("pk")
    )


def conversations_for_export(
    *, since: datetime | None = None, until: datetime | None = None
) -> QuerySet[Conversation]:
    """Conversations created in [since, until) with their transcripts, oldest first.

    Iterate with .iterator(chunk_size=n): Django then prefetches the messages per chunk.
    """
    messages = Message.objects.select_related("sender_agent__agent_profile").order_by("id")
    return (
        Conversation.objects.filter(_date_range("created_at", since, until))
        .select_related(*CONVERSATION_RELATED)
        .prefetch_related(Prefetch("messages", queryset=messages))
        .order_by("pk")
    )
