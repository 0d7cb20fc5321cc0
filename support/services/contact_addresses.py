"""Contacts found by how a channel reaches them: the sender of a mail is the widget's contact
with that address, so the same person's chats and mails share one contact."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from .. import errors
from ..models import Contact, Widget


def email_address_clean(email: Any) -> str:
    """A valid address with its domain in lower case, or InvalidInput."""
    if not isinstance(email, str) or len(email) > 254:
        raise errors.InvalidInput(_("Enter a valid email address."), code="invalid_email")
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise errors.InvalidInput(_("Enter a valid email address."), code="invalid_email") from None
    local, _at, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def contact_for_email(*, widget: Widget, email: Any, name: Any = "") -> tuple[Contact, bool]:
    """The widget's contact with this e-mail address (an identified one first), or a new one.

    Returns (contact, created). A malformed address is InvalidInput; an erased contact is
    never reused.
    """
    email = email_address_clean(email)
    name = name.strip()[:191] if isinstance(name, str) else ""
    with transaction.atomic():
        existing = (
            Contact.objects.filter(widget=widget, email__iexact=email, erased_at__isnull=True)
            .order_by("-identified", "pk")
            .first()
        )
        if existing is not None:
            return existing, False
        contact = Contact(widget=widget, email=email, name=name)
        contact.search_text = contact.search_words()
        contact.save()
    return contact, True
