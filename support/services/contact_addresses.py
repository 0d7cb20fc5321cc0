"""Contacts found by how a channel reaches them: the sender of a mail is the widget's contact
with that address, so the same person's chats and mails share one contact. A contact met
through a channel account (a support address, a WhatsApp number) reads that account's
language until they name their own."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from .. import errors
from ..events import event_emit
from ..languages import contact_language_known, supported_language
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


def contact_language_fill(*, contact: Contact, language: Any) -> bool:
    """Give the contact the channel account's language when they named none (a contact met
    first through the account, or known from before accounts had one); a language they named
    (the widget's, a merged contact's) stays. Saves and announces it; returns whether it did."""
    language = supported_language(language)
    if not language or contact_language_known(contact):
        return False
    # Only while still unknown: a widget session naming one meanwhile wins.
    filled = Contact.objects.filter(pk=contact.pk, locale="").update(locale=language)
    if filled:
        contact.locale = language
        event_emit("contact.updated", contact_id=contact.pk)
    return bool(filled)


def channel_contact_create(*, widget: Widget, language: Any, **details: str) -> Contact:
    """A contact first met through a channel account (by e-mail address or phone number): it
    reads the account's language until it names its own."""
    contact = Contact(widget=widget, **details)
    contact.locale = supported_language(language) or ""
    contact.search_text = contact.search_words()
    contact.save()
    return contact


def contact_for_email(
    *, widget: Widget, email: Any, name: Any = "", language: Any = ""
) -> tuple[Contact, bool]:
    """The widget's contact with this e-mail address (an identified one first), or a new one;
    `language` is the support address's (contact_language_fill).

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
            contact_language_fill(contact=existing, language=language)
            return existing, False
        contact = channel_contact_create(widget=widget, language=language, email=email, name=name)
    return contact, True
