"""Everyday settings a supervisor changes from the console (console/views/settings.py): a
widget's appearance and the retention periods. Each change is validated like the admin's,
then audited with what changed."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import errors, retention
from ..models import AgentProfile, AuditEvent, Label, RetentionPolicy, Widget
from .audit import audit_record

WIDGET_APPEARANCE_FIELDS = (
    "launcher_color",
    "launcher_position",
    "launcher_text_en",
    "launcher_text_tr",
    "logo_url",
    "assistant_avatar_url",
    "assistant_name_en",
    "assistant_name_tr",
    "show_agent_avatars",
    "show_powered_by",
    "follow_dark_mode",
)
MAX_RETENTION_DAYS = 3650


def _messages(instance, error: ValidationError) -> str:
    """The model's validation errors as one line naming each field, in the active language."""
    return " ".join(
        f"{instance._meta.get_field(field).verbose_name}: {' '.join(messages)}"
        for field, messages in error.message_dict.items()
    )


def _supervisor_check(actor: AgentProfile) -> None:
    if not actor.is_supervisor:
        raise errors.Forbidden(_("Only supervisors change these settings."))


def widget_appearance_update(*, actor: AgentProfile, widget_id: int, values: dict[str, Any]):
    """Change how a widget looks. Invalid values (a colour that is not #rrggbb, an image
    address that is not https) raise InvalidInput naming the fields; nothing is saved then."""
    _supervisor_check(actor)
    with transaction.atomic():
        widget = Widget.objects.select_for_update().filter(pk=widget_id).first()
        if widget is None:
            raise errors.NotFound(_("No such widget."))
        before = {name: getattr(widget, name) for name in WIDGET_APPEARANCE_FIELDS}
        for name in WIDGET_APPEARANCE_FIELDS:
            if name in values:
                value = values[name]
                setattr(widget, name, value.strip() if isinstance(value, str) else bool(value))
        try:
            widget.full_clean()
        except ValidationError as error:
            raise errors.InvalidInput(_messages(widget, error), code="invalid_appearance") from None
        changed = {
            name: [before[name], getattr(widget, name)]
            for name in WIDGET_APPEARANCE_FIELDS
            if before[name] != getattr(widget, name)
        }
        if changed:
            widget.save(update_fields=list(changed))
            audit_record(
                actor=actor.user,
                action=AuditEvent.Action.SETTINGS_CHANGED,
                detail={"widget": widget.key, "changed": changed},
            )
    return widget


def retention_policies_set(*, actor: AgentProfile, days: dict[str, Any]) -> dict[str, int]:
    """Set the retention periods (days; 0 keeps forever), all or none: one bad value refuses
    the lot. Shorter periods delete more at the next nightly sweep (the privacy page shows
    what it would delete). Returns the periods in force."""
    _supervisor_check(actor)
    defaults = retention.policy_defaults()
    wanted = {}
    for kind, value in days.items():
        if kind not in defaults:
            raise errors.InvalidInput(_("Unknown retention period."), code="invalid_kind")
        text = str(value).strip()
        if not text.isdigit() or int(text) > MAX_RETENTION_DAYS:
            raise errors.InvalidInput(
                _("A period is a whole number of days from 0 to %(max)s.")
                % {"max": MAX_RETENTION_DAYS},
                code="invalid_days",
            )
        wanted[kind] = int(text)
    before = retention.policy_days_all()
    with transaction.atomic():
        for kind, value in wanted.items():
            RetentionPolicy.objects.update_or_create(kind=kind, defaults={"days": value})
        changed = {k: [before[k], v] for k, v in wanted.items() if before[k] != v}
        if changed:
            audit_record(
                actor=actor.user,
                action=AuditEvent.Action.SETTINGS_CHANGED,
                detail={"retention": changed},
            )
    return retention.policy_days_all()


def label_create(*, actor: AgentProfile, name: Any, colour: Any) -> Label:
    """A new label agents can put on conversations. Names are unique (case-insensitive)."""
    _supervisor_check(actor)
    label = Label(name=str(name or "").strip(), colour=str(colour or "").strip().lower())
    try:
        label.full_clean(validate_unique=False)
    except ValidationError as error:
        raise errors.InvalidInput(_messages(label, error), code="invalid_label") from None
    with transaction.atomic():
        if Label.objects.filter(name__iexact=label.name).exists():
            raise errors.InvalidInput(
                _("A label named %(name)s exists already.") % {"name": label.name},
                code="label_exists",
            )
        label.save()
        audit_record(
            actor=actor.user,
            action=AuditEvent.Action.SETTINGS_CHANGED,
            detail={"label_created": label.name, "colour": label.colour},
        )
    return label


def label_delete(*, actor: AgentProfile, label_id: Any) -> None:
    """Remove a label; the conversations that carried it simply lose it."""
    _supervisor_check(actor)
    label = Label.objects.filter(pk=int(label_id) if str(label_id).isdigit() else None).first()
    if label is None:
        raise errors.NotFound(_("No such label."))
    with transaction.atomic():
        label.delete()
        audit_record(
            actor=actor.user,
            action=AuditEvent.Action.SETTINGS_CHANGED,
            detail={"label_deleted": label.name},
        )
