"""Custom attributes: typed values checked against their definitions, agents' edits, and the
pre-chat form's answers."""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from .. import errors, selectors
from ..events import event_emit
from ..models import (
    MAX_FIELD_CHARS,
    AttributeDefinition,
    Contact,
    Conversation,
    PreChatField,
)
from .audit import audit_record

Type = AttributeDefinition.Type
Kind = PreChatField.Kind

# Pre-chat kinds that are the contact's own columns, with their length limits.
CONTACT_COLUMN_KINDS = {Kind.NAME: 191, Kind.EMAIL: 254, Kind.PHONE: 64}
# Pre-chat kinds kept in the conversation's attributes under the kind's name.
CONVERSATION_KINDS = (Kind.ORDER_NUMBER, Kind.TABLE_NUMBER)


def attribute_value_clean(*, definition: AttributeDefinition, value: Any) -> Any:
    """`value` as the definition's type stores it (text, number, ISO date, list option, http(s)
    link); None or "" clears it. ValidationError with a message naming the attribute."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    label = definition.local_label
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValidationError(_("%(label)s: enter a text or a number.") % {"label": label})
    text = str(value).strip()
    if len(text) > MAX_FIELD_CHARS:
        raise ValidationError(
            _("%(label)s: at most %(max)s characters.") % {"label": label, "max": MAX_FIELD_CHARS}
        )
    if definition.type == Type.NUMBER:
        try:
            number = Decimal(text.replace(",", ".")) if isinstance(value, str) else Decimal(value)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise ValidationError(_("%(label)s: enter a number.") % {"label": label})
        return int(number) if number == number.to_integral_value() else float(number)
    if definition.type == Type.DATE:
        try:
            return datetime.date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValidationError(
                _("%(label)s: enter a date as YYYY-MM-DD.") % {"label": label}
            ) from None
    if definition.type == Type.LIST:
        options = [str(option) for option in definition.options or []]
        if text not in options:
            raise ValidationError(
                _("%(label)s: choose one of %(options)s.")
                % {"label": label, "options": ", ".join(options)}
            )
        return text
    if definition.type == Type.LINK:
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValidationError(
                _("%(label)s: enter a link starting with https://.") % {"label": label}
            )
        return text
    return text


def attributes_typed_check(*, scope: str, attributes: dict[str, Any]) -> dict[str, Any]:
    """The SDK's attributes with defined keys converted to their type; keys without a
    definition pass as they are. InvalidInput naming the first bad key."""
    definitions = selectors.attribute_definitions_by_key(scope=scope)
    checked = dict(attributes)
    for key, value in attributes.items():
        definition = definitions.get(key)
        if definition is None:
            continue
        try:
            checked[key] = attribute_value_clean(definition=definition, value=value)
        except ValidationError as error:
            raise errors.InvalidInput(
                _("attributes.%(key)s is invalid: %(problem)s")
                % {"key": key, "problem": " ".join(error.messages)},
                code="invalid_attribute",
            ) from None
    return checked


def _attribute_set(*, target, scope: str, key: Any, value: Any, by_user) -> Any:
    definition = selectors.attribute_definitions_by_key(scope=scope).get(key)
    if definition is None:
        raise errors.NotFound(_("No such attribute."), code="attribute_not_found")
    cleaned = attribute_value_clean(definition=definition, value=value)
    with transaction.atomic():
        locked = type(target).objects.select_for_update().get(pk=target.pk)
        old = locked.attributes.get(key)
        if old == cleaned:
            return locked
        attributes = dict(locked.attributes)
        if cleaned is None:
            attributes.pop(key, None)
        else:
            attributes[key] = cleaned
        locked.attributes = attributes
        fields = ["attributes"]
        if isinstance(locked, Contact):
            locked.search_text = locked.search_words()
            fields.append("search_text")
        locked.save(update_fields=fields)
        is_contact = isinstance(locked, Contact)
        audit_record(
            actor=by_user,
            action="attribute.changed",
            contact_id=locked.pk if is_contact else locked.contact_id,
            conversation_id=None if is_contact else locked.pk,
            detail={"scope": scope, "key": key, "old": old, "new": cleaned},
        )
        if is_contact:
            event_emit("contact.updated", contact_id=locked.pk)
    return locked


def contact_attribute_set(*, contact: Contact, key: Any, value: Any, by_user) -> Contact:
    """An agent sets (or clears, with "") a defined attribute of a contact; audited."""
    return _attribute_set(
        target=contact,
        scope=AttributeDefinition.Scope.CONTACT,
        key=key,
        value=value,
        by_user=by_user,
    )


def conversation_attribute_set(
    *, conversation: Conversation, key: Any, value: Any, by_user
) -> Conversation:
    """An agent sets (or clears) a defined attribute of a conversation; audited."""
    return _attribute_set(
        target=conversation,
        scope=AttributeDefinition.Scope.CONVERSATION,
        key=key,
        value=value,
        by_user=by_user,
    )


def prechat_answers_clean(
    *, contact: Contact, topic_slug: Any, answers: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The pre-chat form's answers checked against the widget's fields for this topic:
    (contact changes, conversation attributes). Required questions the contact already
    answered (their name, a known attribute) need no answer. InvalidInput lists every
    problem at once, keyed by field in `fields`, so the widget marks each."""
    if answers is None:
        answers = {}
    if not isinstance(answers, dict):
        raise errors.InvalidInput(_("prechat must be an object."))
    fields = selectors.prechat_fields_for(
        widget_id=contact.widget_id, topic_slug=topic_slug if isinstance(topic_slug, str) else ""
    )
    contact_changes: dict[str, Any] = {}
    conversation_attributes: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for field in fields:
        name = prechat_field_name(field)
        raw = answers.get(name)
        if raw is not None and not isinstance(raw, str | int | float):
            problems[name] = _("Enter a text.")
            continue
        text = "" if raw is None else str(raw).strip()
        if not text:
            if field.required and not prechat_field_known(field, contact):
                problems[name] = _("This field is required.")
            continue
        try:
            if field.kind in CONTACT_COLUMN_KINDS:
                if len(text) > CONTACT_COLUMN_KINDS[field.kind]:
                    raise ValidationError(_("This is too long."))
                if field.kind == Kind.EMAIL:
                    validate_email(text)
                if field.kind == Kind.PHONE and sum(c.isdigit() for c in text) < 5:
                    raise ValidationError(_("Enter a phone number."))
                contact_changes[field.kind] = text
            elif field.kind in CONVERSATION_KINDS:
                if len(text) > 64:
                    raise ValidationError(_("This is too long."))
                conversation_attributes[field.kind] = text
            else:
                value = attribute_value_clean(definition=field.attribute, value=text)
                if field.attribute.scope == AttributeDefinition.Scope.CONTACT:
                    contact_changes.setdefault("attributes", {})[field.attribute.key] = value
                else:
                    conversation_attributes[field.attribute.key] = value
        except ValidationError as error:
            if field.kind == Kind.EMAIL:
                problems[name] = _("Enter a valid email address, like name@example.com.")
            else:
                problems[name] = " ".join(error.messages)
    if problems:
        raise errors.FormInvalid(
            _("Please check the form: %(fields)s.") % {"fields": ", ".join(problems)},
            code="invalid_prechat",
            fields=problems,
        )
    return contact_changes, conversation_attributes


def prechat_field_name(field: PreChatField) -> str:
    """The answer's name on the wire: the kind, or the custom attribute's key."""
    return field.attribute.key if field.kind == Kind.ATTRIBUTE else field.kind


def prechat_field_known(field: PreChatField, contact: Contact) -> bool:
    """The contact gave this already (or the host app did): the widget skips the question."""
    if field.kind in CONTACT_COLUMN_KINDS:
        return bool(getattr(contact, field.kind))
    if field.kind == Kind.ATTRIBUTE and field.attribute.scope == AttributeDefinition.Scope.CONTACT:
        return contact.attributes.get(field.attribute.key) not in (None, "")
    return False


def prechat_field_repeats(field: PreChatField) -> bool:
    """The answer belongs to one conversation (order or table number, a conversation
    attribute): asked at each new conversation."""
    if field.kind in CONVERSATION_KINDS:
        return True
    return field.kind == Kind.ATTRIBUTE and field.attribute.scope == "conversation"


def prechat_answers_store(*, contact: Contact, changes: dict[str, Any]) -> None:
    """Write the contact's side of checked pre-chat answers (inside the start's transaction)."""
    if not changes:
        return
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    for column in CONTACT_COLUMN_KINDS:
        if changes.get(column):
            setattr(locked, column, changes[column])
    if changes.get("attributes"):
        locked.attributes = {**locked.attributes, **changes["attributes"]}
    locked.search_text = locked.search_words()
    locked.save(update_fields=["name", "email", "phone", "attributes", "search_text"])
    for column in ("name", "email", "phone", "attributes", "search_text"):
        setattr(contact, column, getattr(locked, column))
    event_emit("contact.updated", contact_id=locked.pk)
