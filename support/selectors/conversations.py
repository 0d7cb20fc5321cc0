"""One conversation as the console and the message path load it, with its notes, contact
panel and messages."""

from django.contrib.auth import get_user_model
from django.db.models import (
    Exists,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.utils.translation import gettext as _

from .. import errors
from ..models import (
    AgentProfile,
    AuditEvent,
    Contact,
    ContactChange,
    Conversation,
    Label,
    Message,
    Note,
)
from ..orm import prefetched_as
from ..visibility import conversation_visible_to_agent_q
from .agents import _agent_users_by_id, _teams_by_id, _topics_by_id

User = get_user_model()


def conversation_inbox_relations_fill(
    conversation: Conversation, *, fields=("topic", "team", "assignee")
) -> None:
    """Topic, team and assignee (with agent profile), or those of `fields`, from the
    per-process copies, for a conversation loaded with its contact and rating: the message
    path's lock query joins two tables instead of six. One missing from the copies (created
    in another process within the last seconds) loads as usual, on access."""
    caches = {"topic": _topics_by_id, "team": _teams_by_id, "assignee": _agent_users_by_id}
    for field in fields:
        cache = caches[field]
        related_id = getattr(conversation, f"{field}_id")
        if related_id is None:
            continue
        related = cache.get().get(related_id)
        if related is not None:
            setattr(conversation, field, related)


def message_senders_fill(messages: list[Message]) -> None:
    """Each agent message's sender, with agent profile, from the per-process copy; those not
    in it (a former agent, or one added in another process within the last seconds) in one
    query."""
    users = _agent_users_by_id.get()
    missing = set()
    for message in messages:
        if message.sender_agent_id is not None:
            user = users.get(message.sender_agent_id)
            if user is None:
                missing.add(message.sender_agent_id)
            else:
                message.sender_agent = user
    if missing:
        fetched = User.objects.select_related("agent_profile").in_bulk(missing)
        for message in messages:
            if message.sender_agent_id in fetched:
                message.sender_agent = fetched[message.sender_agent_id]


def conversation_has_labels() -> Exists:
    """Annotate a conversation query with this as `has_labels`; conversation_labels_load()
    then fetches labels only for the (few) conversations that have some."""
    return Exists(Label.objects.filter(conversations=OuterRef("pk")))


def conversation_labels_load(conversation: Conversation) -> None:
    if getattr(conversation, "has_labels", True):
        prefetch_related_objects([conversation], "labels")
    else:
        prefetched_as(conversation, "labels", [])


def conversation_label_list_load(conversation: Conversation) -> None:
    """`conversation.label_list`, its labels as a list (what the inbox row, its facts and the
    header read first: a related manager is made anew at each `conversation.labels`), with
    no query when the conversation is known to have none (`has_labels`)."""
    if getattr(conversation, "label_list", None) is not None:
        return
    if getattr(conversation, "has_labels", True):
        conversation.label_list = list(conversation.labels.all())
    else:
        conversation.label_list = []


def _one_for_row(queryset: QuerySet[Conversation]) -> Conversation | None:
    """One conversation with what its inbox row and header show, as support.services.message_send
    loads it: contact and rating joined (PostgreSQL plans the six-table join of every relation
    in ~1.5 ms, this one in a fraction), topic, team and assignee from the process copies,
    labels only when it has some."""
    conversation = _one(
        queryset.select_related("contact", "rating").annotate(
            unread_count=F("agent_unread_count"), has_labels=conversation_has_labels()
        )
    )
    if conversation is not None:
        conversation_inbox_relations_fill(conversation)
        conversation_labels_load(conversation)
    return conversation


def conversation_get_for_agent(
    *, profile: AgentProfile, conversation_id, for_page: bool = False
) -> Conversation:
    """The conversation, if the agent may see it; NotFound otherwise.

    `for_page`: the same query also says whether there are internal notes and changes to the
    contact's details (`has_notes`, `contact.has_changes`); most conversations have neither,
    and then the page's note_list_for_conversation and contact_change_list need no query.
    """
    try:
        conversation_id = int(conversation_id)
    except (TypeError, ValueError):
        raise errors.NotFound(_("No such conversation.")) from None
    queryset = Conversation.objects.filter(conversation_visible_to_agent_q(profile)).filter(
        pk=conversation_id
    )
    if for_page:
        queryset = queryset.annotate(
            has_notes=Exists(Note.objects.filter(conversation=OuterRef("pk"))),
            contact_has_changes=Exists(ContactChange.objects.filter(contact=OuterRef("contact"))),
        )
    conversation = _one_for_row(queryset)
    if conversation is None:
        raise errors.NotFound(_("No such conversation."))
    if for_page:
        conversation.contact.has_changes = conversation.contact_has_changes
    return conversation


def conversation_id_clean(conversation_id) -> int:
    """A conversation id as a form or a frame sends it; NotFound for anything that is not one
    (or that the databases could not compare)."""
    try:
        conversation_id = int(conversation_id)
    except (TypeError, ValueError):
        raise errors.NotFound(_("No such conversation.")) from None
    if not 0 < conversation_id < 2**63:
        raise errors.NotFound(_("No such conversation."))
    return conversation_id


def _one(queryset: QuerySet):
    """The row of a primary-key query, or None. Not .first(): its ORDER BY on the 7-table
    inbox join cost ~0.9 ms more (planning) on every console request that loads one."""
    return next(iter(queryset), None)


def conversation_list_by_ids(*, ids: list[int]) -> list[Conversation]:
    return list(
        Conversation.objects.filter(pk__in=ids).select_related(
            "topic", "assignee__agent_profile", "rating"
        )
    )


def conversation_get_for_inbox_row(*, conversation_id: int) -> Conversation | None:
    """One conversation with the inbox's columns, for the live inbox fragment: as
    support.services.message_send loads it (contact and rating joined, topic, team and assignee
    from the process copies, labels only when it has some)."""
    return _one_for_row(Conversation.objects.filter(pk=conversation_id))


def conversation_list_for_contact_panel(
    *, profile: AgentProfile, contact: Contact, limit: int = 20
) -> list[Conversation]:
    """The contact's conversations the agent may see, newest activity first: the columns
    the panel shows, topics from the per-process copy (half the time of joining them and
    reading every column)."""
    conversations = list(
        Conversation.objects.filter(conversation_visible_to_agent_q(profile), contact=contact)
        .only("status", "topic", "last_message_preview", "created_at")
        .order_by(F("last_message_at").desc(nulls_last=True), "-id")[:limit]
    )
    for conversation in conversations:
        conversation_inbox_relations_fill(conversation, fields=("topic",))
    return conversations


def contact_change_list(*, contact: Contact, limit: int = 10) -> list[ContactChange]:
    """The latest edits of the contact's details, newest first, with who made them."""
    if not getattr(contact, "has_changes", True):  # conversation_get_for_agent(for_page=True)
        return []
    return list(contact.changes.select_related("changed_by__agent_profile").order_by("-id")[:limit])


def audit_event_list_recent(*, limit: int = 50) -> list[AuditEvent]:
    return list(AuditEvent.objects.select_related("actor").order_by("-id")[:limit])


# Canned replies, notes, labels ------------------------------------------------------------------


def note_list_for_conversation(
    *,
    conversation: Conversation,
    after: int | None = None,
    since=None,
    before_message: int | None = None,
    limit: int = 500,
) -> list[Note]:
    """The newest notes (or those after an id, or written since a time, or before a message
    was), oldest first, with their authors."""
    if not getattr(conversation, "has_notes", True):  # conversation_get_for_agent(for_page=True)
        return []
    notes = Note.objects.filter(conversation=conversation)
    if since is not None:
        notes = notes.filter(created_at__gte=since)
    if before_message is not None:
        notes = notes.filter(
            created_at__lt=Subquery(
                Message.objects.filter(pk=before_message, conversation=conversation).values(
                    "created_at"
                )[:1]
            )
        )
    if after is not None:
        notes = notes.filter(id__gt=after).order_by("id")[:limit]
        return list(notes.select_related("author__agent_profile"))
    newest = list(notes.select_related("author__agent_profile").order_by("-id")[:limit])
    newest.reverse()
    return newest


def note_get_for_console(*, note_id: int) -> Note | None:
    return (
        Note.objects.select_related("author__agent_profile", "conversation__contact")
        .prefetch_related("mentions")
        .filter(pk=note_id)
        .first()
    )


def message_get_in_conversation(*, conversation: Conversation, message_id: int) -> Message:
    """One message of a conversation the caller already may see; NotFound otherwise."""
    message = Message.objects.filter(conversation=conversation, pk=message_id).first()
    if message is None:
        raise errors.NotFound(_("No such message."), code="message_not_found")
    message.conversation = conversation
    return message


def message_get_for_console(*, message_id: int) -> Message | None:
    """One message with what its console fragment shows (sender, attachments, conversation)."""
    return (
        Message.objects.select_related("conversation__contact", "sender_agent__agent_profile")
        .prefetch_related("attachments")
        .filter(pk=message_id)
        .first()
    )


def message_objects_after(*, conversation: Conversation, after: int, limit: int) -> list[Message]:
    return list(
        Message.objects.filter(conversation=conversation, id__gt=after)
        .select_related("sender_agent__agent_profile")
        .prefetch_related("attachments")
        .order_by("id")[:limit]
    )
