"""Widget sessions and contacts: open a session, identify, merge, touch, revoke, edit."""

import re
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import errors, selectors
from ..device import os_from_user_agent
from ..events import event_emit
from ..identity import identity_hash_is_valid, visitor_token_issue
from ..models import (
    MAX_ATTRIBUTE_NAME_CHARS,
    MAX_ATTRIBUTES,
    MAX_FIELD_CHARS,
    Contact,
    ContactChange,
    Conversation,
)
from .attributes import attributes_typed_check
from .blocks import contact_block_by_address
from .contact_addresses import channel_contact_create, contact_language_fill
from .merge import _contact_merge
from .security import widget_session_rate_check

Status = Conversation.Status


DEVICE_FIELDS = (
    "platform",
    "os",
    "os_version",
    "app_version",
    "model",
    "screen",
    "locale",
    "timezone",
    "url",
    "user_agent",
)


def _clean_text(value: Any, *, field: str, max_chars: int = MAX_FIELD_CHARS) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise errors.InvalidInput(_("%(field)s must be a string.") % {"field": field})
    text = str(value).strip()
    if len(text) > max_chars:
        raise errors.InvalidInput(
            _("%(field)s is longer than %(max)s characters.") % {"field": field, "max": max_chars}
        )
    return text


def _clean_device(device: Any) -> dict[str, str]:
    if device is None:
        return {}
    if not isinstance(device, dict):
        raise errors.InvalidInput(_("device must be an object."))
    cleaned = {}
    for name in DEVICE_FIELDS:
        if device.get(name) not in (None, ""):
            cleaned[name] = _clean_text(device[name], field=f"device.{name}")
    if "os" not in cleaned and cleaned.get("user_agent"):
        # The web widget sends its user agent and lets the server name the system.
        cleaned.update(os_from_user_agent(cleaned["user_agent"]))
    return cleaned


def _clean_attributes(attributes: Any) -> dict[str, Any]:
    if attributes is None:
        return {}
    if not isinstance(attributes, dict):
        raise errors.InvalidInput(_("contact.attributes must be an object."))
    if len(attributes) > MAX_ATTRIBUTES:
        raise errors.InvalidInput(
            _("contact.attributes has more than %(max)s keys.") % {"max": MAX_ATTRIBUTES}
        )
    cleaned: dict[str, Any] = {}
    for key, value in attributes.items():
        key = _clean_text(key, field="attribute name", max_chars=MAX_ATTRIBUTE_NAME_CHARS)
        if value is None or isinstance(value, bool | int | float):
            cleaned[key] = value
        else:
            cleaned[key] = _clean_text(value, field=f"contact.attributes.{key}")
    # Keys with a definition (support admin, "custom attributes") must hold its type.
    return attributes_typed_check(scope="contact", attributes=cleaned)


def widget_session_open(
    *,
    widget_key: Any,
    visitor_token: Any = None,
    identity: Any = None,
    contact_data: Any = None,
    device: Any = None,
    locale: Any = "",
    ip_address: str | None = None,
) -> tuple[Contact, str]:
    """Open or resume a visitor's session: find or create the contact, issue a token.

    A signed identity wins over a token; an anonymous contact that logs in is merged
    into the identified one, so the chat they started is not lost. `ip_address` (the
    widget API passes it) counts towards DESTEK["SESSION_RATE_LIMIT"].
    """
    widget_session_rate_check(ip_address=ip_address)
    widget = selectors.widget_get_active(key=widget_key)
    if widget.require_verified_identity and identity is None:
        # What the widget shows a visitor who is not signed in to the host site.
        raise errors.IdentityRequired(_("Please sign in to chat with us."))
    if contact_data is not None and not isinstance(contact_data, dict):
        raise errors.InvalidInput(_("contact must be an object."))
    contact_data = contact_data or {}
    # What the widget leaves empty keeps what the contact had.
    values = {k: v for k, v in _contact_values_clean(contact_data, prefix="contact.").items() if v}
    attributes = _clean_attributes(contact_data.get("attributes"))
    device = _clean_device(device)
    locale = _clean_text(locale, field="locale", max_chars=16) or device.get("locale", "")[:16]
    values.update({k: v for k, v in (("device", device), ("locale", locale)) if v})
    resumed = _session_resumed(visitor_token=visitor_token, widget=widget)

    with transaction.atomic():
        contact, before = _session_contact(
            widget=widget, identity=identity, resumed=resumed, ip_address=ip_address
        )
        values["last_seen_at"] = timezone.now()
        if ip_address:
            values["last_ip"] = ip_address
        _contact_save(contact, before=before, values=values, attributes=attributes)

    token = visitor_token_issue(
        contact_id=contact.pk, widget_id=widget.pk, token_version=contact.token_version
    )
    return contact, token


def _contact_values_clean(data: dict, *, prefix: str) -> dict[str, str]:
    """The name, e-mail and phone given (None: not given), cleaned; an error names the field
    as the caller's input does (`prefix`)."""
    values = {}
    for field, limit in (("name", 191), ("email", 254), ("phone", 64)):
        if data.get(field) is not None:
            values[field] = _clean_text(data[field], field=f"{prefix}{field}", max_chars=limit)
    if values.get("email"):
        try:
            validate_email(values["email"])
        except ValidationError:
            raise errors.InvalidInput(
                _("%(field)s is not an email address.") % {"field": f"{prefix}email"}
            ) from None
    return values


def _session_resumed(*, visitor_token: Any, widget) -> Contact | None:
    """The contact a visitor's token names, on this widget; None for no token, an expired or
    revoked one (it just starts a fresh anonymous session) or another widget's."""
    if not visitor_token:
        return None
    try:
        resumed = selectors.contact_get_by_visitor_token(token=visitor_token)
    except (errors.NotAuthenticated, errors.IdentityRequired):
        return None
    return resumed if resumed.widget_id == widget.pk else None


def _session_contact(*, widget, identity, resumed, ip_address) -> tuple[Contact, dict]:
    """The session's contact and its snapshot before this session changes it ({} when new)."""
    if identity is not None:
        contact, created = _contact_identified(widget=widget, identity=identity)
        before = {} if created else _contact_snapshot(contact)
        if resumed is not None and not resumed.identified and resumed.pk != contact.pk:
            _contact_merge(source=resumed, target=contact)
        return contact, before
    if resumed is not None:
        return resumed, _contact_snapshot(resumed)
    contact = Contact.objects.create(widget=widget)
    # A new anonymous visitor from a blocked address (their old token lost) is blocked too;
    # known contacts were blocked themselves, so only new ones cost this query.
    contact_block_by_address(contact=contact, ip_address=ip_address)
    return contact, {}


def _contact_save(contact: Contact, *, before: dict, values: dict, attributes: dict) -> None:
    """Set `values` and merge `attributes` into the contact's, save it with its search words,
    and say so (contact.updated) when what the host app cares for changed."""
    for field, value in values.items():
        setattr(contact, field, value)
    if attributes:
        contact.attributes = {**contact.attributes, **attributes}
    contact.search_text = contact.search_words()
    contact.save()
    after = _contact_snapshot(contact)
    if after != before and any(after.values()):
        event_emit("contact.updated", contact_id=contact.pk)


# What a contact.updated event is about: the fields the host app and its CRM care for.
CONTACT_EVENT_FIELDS = ("external_id", "identified", "name", "email", "phone", "attributes")


def _contact_snapshot(contact: Contact) -> dict:
    return {name: getattr(contact, name) for name in CONTACT_EVENT_FIELDS}


def _contact_identified(*, widget, identity: Any) -> tuple[Contact, bool]:
    if not isinstance(identity, dict):
        raise errors.InvalidInput(_("identity must be an object."))
    external_id = _clean_text(
        identity.get("external_id"), field="identity.external_id", max_chars=191
    )
    claimed_hash = identity.get("hash")
    if not external_id or not isinstance(claimed_hash, str):
        raise errors.IdentityInvalid(_("identity needs external_id and hash."))
    if not identity_hash_is_valid(
        secret=widget.secret, external_id=external_id, claimed_hash=claimed_hash
    ):
        raise errors.IdentityInvalid(_("The identity hash does not match this user id."))
    try:
        with transaction.atomic():
            contact, created = Contact.objects.get_or_create(
                widget=widget, external_id=external_id, defaults={"identified": True}
            )
    except IntegrityError:  # two first sessions of the same user at once
        contact, created = Contact.objects.get(widget=widget, external_id=external_id), False
    if not contact.identified:
        contact.identified = True
    return contact, created


def contact_upsert(
    *,
    widget,
    external_id: Any,
    name: Any = None,
    email: Any = None,
    phone: Any = None,
    attributes: Any = None,
    locale: Any = None,
    create: bool = True,
) -> tuple[Contact, bool]:
    """The host app's server creates or updates one of its users as a contact (REST API).

    The server vouches for the user id, so the contact counts as identified. Fields left None
    keep their value; attributes merge into the stored ones. Returns (contact, created); with
    create=False a missing contact is NotFound.
    """
    external_id = _clean_text(external_id, field="external_id", max_chars=191)
    if not external_id:
        raise errors.InvalidInput("external_id is required.")
    values = _contact_values_clean({"name": name, "email": email, "phone": phone}, prefix="")
    if locale is not None:
        values["locale"] = _clean_text(locale, field="locale", max_chars=16)
    attributes = _clean_attributes(attributes)
    with transaction.atomic():
        contact = (
            Contact.objects.select_for_update()
            .filter(widget=widget, external_id=external_id)
            .first()
        )
        created = contact is None
        if created:
            if not create:
                raise errors.NotFound("No contact has this external id.", code="contact_not_found")
            try:
                with transaction.atomic():
                    contact = Contact.objects.create(
                        widget=widget, external_id=external_id, identified=True
                    )
            except IntegrityError:  # created at the same moment by a widget session
                contact = Contact.objects.select_for_update().get(
                    widget=widget, external_id=external_id
                )
                created = False
        before = {} if created else _contact_snapshot(contact)
        values["identified"] = True
        _contact_save(contact, before=before, values=values, attributes=attributes)
    return contact, created


CONTACT_TOUCH_EVERY = timedelta(seconds=60)


def contact_touch(*, contact_id: int, now=None) -> None:
    """The visitor's widget is alive (at most one write a minute): emails wait while it is."""
    now = now or timezone.now()
    Contact.objects.filter(pk=contact_id).filter(
        Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=now - CONTACT_TOUCH_EVERY)
    ).update(last_seen_at=now)


def visitor_session_revoke(*, contact: Contact) -> None:
    """Log the visitor out everywhere: every token issued so far stops working."""
    Contact.objects.filter(pk=contact.pk).update(token_version=F("token_version") + 1)


def contact_update(*, contact: Contact, by_user, name: Any, email: Any) -> Contact:
    """An agent corrects a contact's name or email. Each changed field is logged
    (ContactChange: who, when, old → new); bad values raise ValidationError per field."""
    problems = {}
    if not isinstance(name, str):
        problems["name"] = _("Enter a name.")
    if not isinstance(email, str):
        problems["email"] = _("Enter an email address.")
    if problems:
        raise ValidationError(problems)
    name, email = " ".join(name.split()), email.strip()
    if len(name) > Contact._meta.get_field("name").max_length:
        problems["name"] = _("The name is too long.")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems["email"] = _("Enter a valid email address, like name@example.com.")
        if len(email) > Contact._meta.get_field("email").max_length:
            problems["email"] = _("The email address is too long.")
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        changes = []
        for field, value in (("name", name), ("email", email)):
            old = getattr(locked, field)
            if old != value:
                changes.append(
                    ContactChange(
                        contact=locked,
                        changed_by=by_user,
                        field=field,
                        old_value=old,
                        new_value=value,
                    )
                )
                setattr(locked, field, value)
        if changes:
            locked.search_text = locked.search_words()
            locked.save(update_fields=["name", "email", "search_text"])
            ContactChange.objects.bulk_create(changes)
            event_emit("contact.updated", contact_id=locked.pk)
    return locked


E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def contact_for_phone(
    *, widget, phone: Any, name: Any = "", language: Any = ""
) -> tuple[Contact, bool]:
    """The widget's contact with this phone number (E.164, "+905321234567"), or a new one: a
    channel that knows customers by number (WhatsApp) shares the widget's contacts, so a
    visitor who gave the same number is the same person. The oldest such contact wins.
    `language` is the number's (contact_language_fill). Returns (contact, created)."""
    phone = _clean_text(phone, field="phone", max_chars=16)
    if not E164.match(phone):
        raise errors.InvalidInput(_("phone must be an E.164 number such as +905321234567."))
    name = _clean_text(name, field="name", max_chars=191)
    with transaction.atomic():
        contact = (
            Contact.objects.select_for_update()
            .filter(widget=widget, phone=phone, erased_at__isnull=True)
            .order_by("id")
            .first()
        )
        if contact is not None:
            if name and not contact.name:
                contact.name = name
                contact.search_text = contact.search_words()
                contact.save(update_fields=["name", "search_text"])
            contact_language_fill(contact=contact, language=language)
            return contact, False
        contact = channel_contact_create(widget=widget, language=language, phone=phone, name=name)
        event_emit("contact.updated", contact_id=contact.pk)
    return contact, True
