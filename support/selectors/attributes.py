"""Custom attributes, the pre-chat form and the console's contacts pages."""

from dataclasses import dataclass

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from .. import errors, search
from ..models import AgentProfile, AttributeDefinition, Contact, Conversation, PreChatField
from ..process_cache import ProcessCache
from ..visibility import conversation_visible_to_agent_q as _visible_to_agent_q
from .conversations import conversation_inbox_relations_fill

_attribute_definitions = ProcessCache(
    lambda: list(AttributeDefinition.objects.order_by("scope", "order", "key")),
    models=(AttributeDefinition,),
)


def attribute_definition_list(*, scope: str | None = None) -> list[AttributeDefinition]:
    """The defined attributes (of one scope), in their order; per-process copy."""
    return [d for d in _attribute_definitions.get() if scope is None or d.scope == scope]


def attribute_definitions_by_key(*, scope: str) -> dict[str, AttributeDefinition]:
    return {d.key: d for d in attribute_definition_list(scope=scope)}


def attribute_definition_get(*, definition_id: int) -> AttributeDefinition | None:
    return next((d for d in _attribute_definitions.get() if d.pk == definition_id), None)


def attribute_value_q(definition: AttributeDefinition, value: str, *, on_contact=False) -> Q:
    """Conversations whose attribute under the definition's key (their own or their
    contact's, by its scope) is `value`; `on_contact`: contacts whose attribute is. Numbers
    stored as numbers match their text too."""
    if definition.scope == AttributeDefinition.Scope.CONTACT and not on_contact:
        path = f"contact__attributes__{definition.key}"
    else:
        path = f"attributes__{definition.key}"
    condition = Q(**{path: value})
    if definition.type == AttributeDefinition.Type.NUMBER:
        try:
            number = float(value.replace(",", "."))
        except ValueError:
            return condition
        condition |= Q(**{path: int(number) if number.is_integer() else number})
    return condition


def _prechat_fields_load() -> dict[int, list[PreChatField]]:
    by_widget: dict[int, list[PreChatField]] = {}
    fields = PreChatField.objects.select_related("attribute", "topic").order_by(
        F("topic_id").asc(nulls_first=True), "order", "id"
    )
    for field in fields:
        by_widget.setdefault(field.widget_id, []).append(field)
    return by_widget


# Read at every widget session: per process (changes show within seconds). A renamed topic
# slug is seen at the next reload, within the copy's seconds, like everywhere else.
_prechat_fields = ProcessCache(_prechat_fields_load, models=(PreChatField, AttributeDefinition))


def prechat_field_list_for_widget(*, widget_id: int) -> list[PreChatField]:
    """Every pre-chat question of a widget (widget-wide ones first), with attribute and topic:
    shared read-only instances."""
    return _prechat_fields.get().get(widget_id, [])


def prechat_fields_for(*, widget_id: int, topic_slug: str = "") -> list[PreChatField]:
    """The pre-chat questions of a widget for a topic: the widget-wide ones, then the topic's."""
    return [
        field
        for field in prechat_field_list_for_widget(widget_id=widget_id)
        if field.topic is None or (topic_slug and field.topic.slug == topic_slug)
    ]


CONTACTS_PAGE_SIZE = 25


@dataclass
class ContactPage:
    contacts: list
    page: int
    has_next: bool


def contact_list_for_console(
    *,
    profile: AgentProfile,
    query: str = "",
    identified: bool | None = None,
    attribute: tuple[AttributeDefinition, str] | None = None,
    page: int = 1,
    page_size: int = CONTACTS_PAGE_SIZE,
) -> ContactPage:
    """Contacts with a conversation the agent may see, most recently seen first, filtered by
    words (name, email, phone, user id, attribute values), verified identity and a contact
    attribute; one page, each with `conversation_count` and `last_conversation_at`. One
    query (a page more is asked for to know whether there is a next one)."""
    visible = Conversation.objects.filter(_visible_to_agent_q(profile), contact=OuterRef("pk"))
    queryset = Contact.objects.filter(Exists(visible))
    terms = search.query_terms(query[: search.MAX_QUERY_CHARS]) if query else []
    if terms:
        queryset = search.matching(queryset, terms)
    if identified is not None:
        queryset = queryset.filter(identified=identified)
    if attribute is not None:
        definition, value = attribute
        if definition.scope == AttributeDefinition.Scope.CONTACT:
            queryset = queryset.filter(attribute_value_q(definition, value, on_contact=True))
        else:
            queryset = queryset.filter(Exists(visible.filter(attribute_value_q(definition, value))))
    count = visible.order_by().values("contact").annotate(n=Count("id")).values("n")
    last = visible.order_by(F("last_message_at").desc(nulls_last=True)).values("last_message_at")
    offset = (page - 1) * page_size
    contacts = list(
        queryset.annotate(
            conversation_count=Coalesce(Subquery(count, output_field=IntegerField()), Value(0)),
            last_conversation_at=Subquery(last[:1]),
        )
        .select_related("widget")
        .defer("search_text", "search_document", "device")
        .order_by(F("last_seen_at").desc(nulls_last=True), "-id")[offset : offset + page_size + 1]
    )
    return ContactPage(contacts=contacts[:page_size], page=page, has_next=len(contacts) > page_size)


def contact_get_for_agent(*, profile: AgentProfile, contact_id: int) -> Contact:
    """A contact the agent may see (one of their conversations is visible); NotFound else."""
    visible = Conversation.objects.filter(_visible_to_agent_q(profile), contact=OuterRef("pk"))
    contact = (
        Contact.objects.filter(Exists(visible), pk=contact_id)
        .select_related("widget")
        .defer("search_text", "search_document")
        .first()
    )
    if contact is None:
        raise errors.NotFound(_("No such contact."), code="contact_not_found")
    return contact


def conversation_list_for_contact_timeline(
    *, profile: AgentProfile, contact: Contact, limit: int = 100
) -> list[Conversation]:
    """Every conversation of the contact the agent may see, newest first, across channels,
    with topic, team, assignee and message count."""
    conversations = list(
        Conversation.objects.filter(_visible_to_agent_q(profile), contact=contact)
        .annotate(message_count=Count("messages"))
        .order_by("-created_at", "-id")[:limit]
    )
    for conversation in conversations:
        conversation_inbox_relations_fill(conversation)
    return conversations


def conversation_reference_q(reference: str) -> Q:
    """Conversations about an order or table: what the host page attached
    (Destek.setConversationContext), what a pre-chat form asked (order and table numbers), or a
    conversation attribute of text or number type equal to it."""
    forms = [reference, f"#{reference}"]
    condition = Q(context_order_id__in=forms) | Q(context_table__in=forms)
    keys = ["order_number", "table_number"] + [
        d.key
        for d in attribute_definition_list(scope=AttributeDefinition.Scope.CONVERSATION)
        if d.type in (AttributeDefinition.Type.TEXT, AttributeDefinition.Type.NUMBER)
    ]
    for key in keys:
        condition |= Q(**{f"attributes__{key}": reference})
    return condition
