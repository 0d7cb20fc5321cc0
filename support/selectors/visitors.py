"""Widget and visitor reads: the widget by key, allowed origins, the visitor token's checks,
a visitor's own conversations."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    F,
)
from django.utils.translation import gettext as _

from .. import errors, sql
from ..identity import visitor_token_read
from ..models import (
    Contact,
    Conversation,
    Widget,
)

User = get_user_model()


def widget_get_active(*, key: str) -> Widget:
    if not isinstance(key, str) or not key:
        raise errors.InvalidInput(_("widget_key is required."), code="widget_key_required")
    widget = Widget.objects.filter(key=key, is_active=True).first()
    if widget is None:
        raise errors.NotFound(_("No active widget has this key."), code="widget_not_found")
    return widget


def widget_origin_is_allowed(*, widget: Widget, origin: str | None, host: str = "") -> bool:
    """May a page of `origin` embed the widget (frame it, call its host API, open its socket)?

    Our own host always may; otherwise the origin must be one of the widget's allowed
    origins or settings.WIDGET_ALLOWED_ORIGINS. A missing origin (a native app, a same-origin
    GET) is the caller's decision: pass "" and get False.
    """
    origin = (origin or "").strip().rstrip("/").lower()
    parts = urlsplit(origin)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or origin != f"{parts.scheme}://{parts.netloc}"
        or any(c in parts.netloc for c in " ;,'\"")
    ):
        return False  # not an origin (a path, a "null" origin, a header-breaking character)
    if host and parts.netloc == host.lower():
        return True
    allowed = {o.rstrip("/").lower() for o in (widget.allowed_origins or [])}
    allowed |= {o.rstrip("/").lower() for o in settings.WIDGET_ALLOWED_ORIGINS}
    return origin in allowed


def _visitor_token_payload(token: str) -> dict:
    payload = visitor_token_read(token)
    if payload is None:
        raise errors.NotAuthenticated(_("The visitor token is missing, invalid or expired."))
    return payload


def _visitor_token_state_check(
    payload: dict, *, token_version: int, identified: bool, requires_identity: bool
) -> None:
    if token_version != payload["v"]:
        raise errors.NotAuthenticated(_("The visitor token has been revoked."))
    # Checked on every call, so turning the setting on locks anonymous visitors out at once.
    if requires_identity and not identified:
        raise errors.IdentityRequired(_("This widget requires a verified identity."))


def contact_get_by_visitor_token(*, token: str) -> Contact:
    payload = _visitor_token_payload(token)
    contact = (
        Contact.objects.select_related("widget")
        .filter(pk=payload["c"], widget_id=payload["w"], widget__is_active=True)
        .first()
    )
    if contact is None:
        raise errors.NotAuthenticated(_("The visitor token has been revoked."))
    _visitor_token_state_check(
        payload,
        token_version=contact.token_version,
        identified=contact.identified,
        requires_identity=contact.widget.require_verified_identity,
    )
    return contact


def visitor_token_check(*, token: str) -> None:
    """contact_get_by_visitor_token's checks, for a socket that holds its contact already
    and checks again at each message: one narrow fixed statement (support.sql.contact_token_state),
    nothing built."""
    payload = _visitor_token_payload(token)
    row = sql.contact_token_state(contact_id=payload["c"], widget_id=payload["w"])
    if row is None:
        raise errors.NotAuthenticated(_("The visitor token has been revoked."))
    token_version, identified, requires_identity = row
    _visitor_token_state_check(
        payload,
        token_version=token_version,
        identified=identified,
        requires_identity=requires_identity,
    )


def visitor_token_check_locked(*, token: str, conversation: Conversation) -> None:
    """visitor_token_check against a conversation of the token's contact as
    conversation_lock_for_message loaded it (contact, widget flags): the same checks with no
    statement of their own, for a visitor's message."""
    payload = _visitor_token_payload(token)
    contact = conversation.contact
    if (
        contact.pk != payload["c"]
        or contact.widget_id != payload["w"]
        or not conversation.widget_is_active
    ):
        raise errors.NotAuthenticated(_("The visitor token has been revoked."))
    _visitor_token_state_check(
        payload,
        token_version=contact.token_version,
        identified=contact.identified,
        requires_identity=conversation.widget_requires_identity,
    )


def conversation_list_for_contact(
    *, contact: Contact, limit: int = 50, offset: int = 0
) -> list[Conversation]:
    """The visitor's own conversations, newest activity first, with their unread counts."""
    return list(
        contact.conversations.select_related("topic", "assignee__agent_profile")
        .annotate(unread_count=F("visitor_unread_count"))
        .order_by("-last_message_at", "-id")[offset : offset + limit]
    )


def conversation_get_for_contact(*, contact: Contact, conversation_id) -> Conversation:
    try:
        conversation_id = int(conversation_id)
    except (TypeError, ValueError):
        raise errors.NotFound(_("No such conversation.")) from None
    conversation = (
        Conversation.objects.select_related("topic", "assignee__agent_profile", "contact", "rating")
        .filter(pk=conversation_id, contact=contact)
        .first()
    )
    if conversation is None:
        # 404, not 403: another visitor's conversation ids are not confirmed to exist.
        raise errors.NotFound(_("No such conversation."))
    return conversation
