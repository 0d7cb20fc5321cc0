"""A conversation's context from the host page: the order or table it is about.

`Destek.setConversationContext({order_id, table})` (docs/sdk.md) reaches the widget API, which
cleans it here and stores it on the visitor's current conversation, or starts the next one
with it. Agents see it on the inbox row and in the header, and find conversations by it.

Also here: whether a contact's panel asks the host for context cards (integrations.context_cards).
"""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from . import edge, errors
from .events import event_emit
from .models import Contact, Conversation, Widget
from .process_cache import ProcessCache
from .ratelimits import rate_limit_enforce

MAX_CONTEXT_CHARS = 64
# Changes a visitor may make to one conversation's context per window: a page sets it once or
# twice; each change redraws agents' rows and headers.
CONTEXT_CHANGES_PER_WINDOW = 20
CONTEXT_CHANGE_WINDOW_SECONDS = 600
# The SDK's key → the conversation's column.
CONTEXT_FIELDS = {"order_id": "context_order_id", "table": "context_table"}


class InvalidContext(errors.InvalidInput):
    code = "invalid_context"


def conversation_context_clean(data: Any) -> dict[str, str]:
    """The keys the host gave, each a short single-line string ("" clears it); numbers become
    strings (an order id is often one). InvalidContext naming the key for anything else."""
    if not isinstance(data, dict):
        raise InvalidContext(_('The context must be an object such as {"order_id": "1042"}.'))
    unknown = sorted(str(key) for key in data if key not in CONTEXT_FIELDS)
    if unknown:
        raise InvalidContext(
            _("Unknown context key %(key)s: use order_id or table.") % {"key": unknown[0][:40]}
        )
    cleaned = {}
    for key, value in data.items():
        if value is None:
            value = ""
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise InvalidContext(_("%(key)s must be a string.") % {"key": key})
        edge.text_check(value)
        text = str(value).strip()
        if len(text) > MAX_CONTEXT_CHARS:
            raise InvalidContext(
                _("%(key)s must be at most %(max)s characters.")
                % {"key": key, "max": MAX_CONTEXT_CHARS}
            )
        if not text.isprintable():
            raise InvalidContext(_("%(key)s must be one line of text.") % {"key": key})
        cleaned[key] = text
    return cleaned


def conversation_context_set(
    *, conversation: Conversation, context: dict[str, str], rate_limit: bool = False
) -> bool:
    """Store the cleaned `context` (conversation_context_clean) on the conversation: the keys
    given change, the others stay. Agents' headers and inbox rows follow after commit
    (the `conversation.context_changed` event).
    Returns whether anything changed (the same context sent again writes nothing).
    `rate_limit` (the visitor's calls): RateLimited past CONTEXT_CHANGES_PER_WINDOW changes."""
    changes = {
        CONTEXT_FIELDS[key]: value
        for key, value in context.items()
        if getattr(conversation, CONTEXT_FIELDS[key]) != value
    }
    if not changes:
        return False
    if rate_limit:
        rate_limit_enforce(
            key=f"conversation-context:{conversation.pk}",
            limit=CONTEXT_CHANGES_PER_WINDOW,
            window_seconds=CONTEXT_CHANGE_WINDOW_SECONDS,
            detail=_("Too many changes to this conversation's context; try again later."),
        )
    with transaction.atomic():
        Conversation.objects.filter(pk=conversation.pk).update(**changes)
        for name, value in changes.items():
            setattr(conversation, name, value)
        # Agents only (chat.listeners redraws the header and the inbox rows, as for labels).
        event_emit(
            "conversation.context_changed",
            conversation_id=conversation.pk,
            order_id=conversation.context_order_id,
            table=conversation.context_table,
        )
    return True


def conversation_context_dict(conversation: Conversation) -> dict[str, str]:
    return {key: getattr(conversation, name) for key, name in CONTEXT_FIELDS.items()}


# Context cards --------------------------------------------------------------------------------

# Read for every conversation page of a verified contact; widgets change from the admin.
_widget_ids_with_context_url = ProcessCache(
    lambda: frozenset(Widget.objects.exclude(context_url="").values_list("pk", flat=True)),
    models=(Widget,),
)


def context_cards_wanted(*, contact: Contact) -> bool:
    """Does the contact panel ask the host for cards? Only for a verified contact (the host
    signed its user id: an id a visitor merely claims could show someone else's orders) of a
    widget with a context URL."""
    if not (contact.identified and contact.external_id):
        return False
    return contact.widget_id in _widget_ids_with_context_url.get()
