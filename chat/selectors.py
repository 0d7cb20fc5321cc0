"""Reads of the chat domain."""

from django.db.models import Exists, OuterRef, Prefetch, prefetch_related_objects
from django.utils.translation import gettext as _

from support import errors
from support import selectors as support_selectors
from support.edge import row_id
from support.models import Attachment, Conversation, Message

from . import file_urls, protocol


def message_objects_by_ids(*, conversation: Conversation, ids) -> list[Message]:
    return list(
        Message.objects.filter(conversation=conversation, id__in=list(ids))
        .select_related("sender_agent__agent_profile")
        .order_by("id")
    )


def message_objects_page(
    *, conversation: Conversation, before: int | None, limit: int
) -> tuple[list[Message], bool]:
    """Up to `limit` messages before a message id (None: the newest), oldest first, and
    whether earlier ones remain. One query, and one more for the files when the page has any,
    whatever the page's length. Each message's files are in `attachment_list`; agents' messages
    have their sender (with agent profile) from the per-process copy."""
    messages = Message.objects.filter(conversation=conversation)
    if before is not None:
        messages = messages.filter(id__lt=before)
    page = list(
        # The sender not joined: a third of this query's time went to building a user and a
        # profile for each agent message, most of them the same one or two agents.
        messages.annotate(has_files=Exists(Attachment.objects.filter(message=OuterRef("pk"))))
        .defer("search_text", "search_document")
        .order_by("-id")[: limit + 1]
    )
    has_earlier = len(page) > limit
    page = page[:limit]
    page.reverse()
    support_selectors.message_senders_fill(page)
    # Most pages have no file at all: then no attachments query. A plain list per message,
    # not a prefetched manager (~30 µs each to build).
    with_files = [message for message in page if message.has_files]
    for message in page:
        if not message.has_files:
            # Set only here: prefetching skips a message that already has the attribute.
            message.attachment_list = []
    if with_files:
        prefetch_related_objects(with_files, Prefetch("attachments", to_attr="attachment_list"))
    return page, has_earlier


def message_list_after(
    *, conversation: Conversation, after: int, limit: int
) -> tuple[list[dict], bool]:
    """Protocol dicts of the messages after an id, oldest first, and whether more remain."""
    messages = support_selectors.message_objects_after(
        conversation=conversation, after=after, limit=limit + 1
    )
    has_more = len(messages) > limit
    return [protocol.message_to_dict(m) for m in messages[:limit]], has_more


def attachment_get_for_contact(*, contact, conversation_id, attachment_id) -> Attachment:
    """One of the visitor's own files (404 otherwise, like their conversations)."""
    conversation = support_selectors.conversation_get_for_contact(
        contact=contact, conversation_id=conversation_id
    )
    return _attachment_in(conversation=conversation, attachment_id=attachment_id)


def attachment_get_for_agent(*, profile, attachment_id) -> Attachment:
    """A file of a conversation this agent may see (support's access-checked selector)."""
    conversation_id = (
        Attachment.objects.filter(pk=row_id(attachment_id))
        .values_list("conversation_id", flat=True)
        .first()
    )
    if conversation_id is None:
        raise errors.NotFound(_("No such file."))
    conversation = support_selectors.conversation_get_for_agent(
        profile=profile, conversation_id=conversation_id
    )
    return _attachment_in(conversation=conversation, attachment_id=attachment_id)


def _attachment_in(*, conversation: Conversation, attachment_id) -> Attachment:
    attachment = Attachment.objects.filter(
        pk=row_id(attachment_id), conversation=conversation
    ).first()
    if attachment is None:
        raise errors.NotFound(_("No such file."))
    return attachment


def attachment_get_by_id(*, attachment_id: int) -> Attachment | None:
    """For the signed file view: the token already proved the right to this file."""
    return Attachment.objects.filter(pk=attachment_id).first()


def attachment_signed_url(*, attachment: Attachment, variant: str) -> str | None:
    if variant not in file_urls.VARIANTS:
        raise errors.NotFound(_("No such file."))
    return file_urls.signed_url(attachment, variant=variant)


def message_recent_ids(
    *, conversation_ids, limit: int = 50, settled_before=None
) -> dict[int, list[int]]:
    """The newest `limit` message ids of each conversation, oldest first (one query). With
    `settled_before`, only messages created before then (their live event is not in flight).
    What a visitor socket checks at each ping for live events that never reached it."""
    from django.db.models import F, Window
    from django.db.models.functions import RowNumber

    messages = Message.objects.filter(conversation_id__in=list(conversation_ids))
    rows = (
        messages.annotate(
            rank=Window(RowNumber(), partition_by=[F("conversation_id")], order_by=F("id").desc())
        )
        .filter(rank__lte=limit)
        .order_by("conversation_id", "id")
        .values_list("conversation_id", "id", "created_at")
    )
    recent: dict[int, list[int]] = {}
    for conversation_id, message_id, created_at in rows:
        if settled_before is None or created_at < settled_before:
            recent.setdefault(conversation_id, []).append(message_id)
    return recent


def message_list_by_ids(*, conversation_ids, ids) -> list[dict]:
    """Protocol dicts of these messages, oldest first, only within these conversations."""
    return [
        protocol.message_to_dict(m)
        for m in Message.objects.filter(conversation_id__in=list(conversation_ids), id__in=ids)
        .select_related("sender_agent__agent_profile")
        .order_by("id")
    ]
