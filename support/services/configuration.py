"""Everyday settings a supervisor changes from the console (console/views/settings*.py): a
widget's appearance, the retention periods, labels and the response targets. Each change is
validated like the admin's, then audited with what changed. Teams, their hours and topics are
in the sibling modules teams, business_hours and topics, which share the helpers here."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import errors, retention
from ..edge import row_id
from ..models import (
    AgentProfile,
    AuditEvent,
    Label,
    Priority,
    ResponseTarget,
    RetentionPolicy,
    Widget,
)
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


def validation_text(instance, error: ValidationError) -> str:
    """The model's validation errors as one line naming each field, in the active language."""
    return " ".join(
        f"{instance._meta.get_field(field).verbose_name}: {' '.join(messages)}"
        for field, messages in error.message_dict.items()
    )


def supervisor_check(actor: AgentProfile) -> None:
    if not actor.is_supervisor:
        raise errors.Forbidden(_("Only supervisors change these settings."))


def form_invalid(problems: dict[str, str], *, code: str) -> errors.FormInvalid:
    """One error for a form with several wrong fields: each named with its problem."""
    return errors.FormInvalid(" ".join(problems.values()), code=code, fields=problems)


def model_problems(instance, error: ValidationError) -> dict[str, str]:
    """A model's validation errors by field, in the active language."""
    return {field: " ".join(messages) for field, messages in error.message_dict.items()}


def settings_audit(*, actor: AgentProfile, detail: dict) -> None:
    audit_record(actor=actor.user, action=AuditEvent.Action.SETTINGS_CHANGED, detail=detail)


def field_values(obj, names) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


def changes_between(before: dict, after: dict) -> dict[str, list]:
    """What a settings change changed, as the audit records it: {name: [old, new]}."""
    return {name: [before[name], value] for name, value in after.items() if before[name] != value}


def widget_appearance_update(*, actor: AgentProfile, widget_id: int, values: dict[str, Any]):
    """Change how a widget looks. Invalid values (a colour that is not #rrggbb, an image
    address that is not https) raise InvalidInput naming the fields; nothing is saved then."""
    supervisor_check(actor)
    with transaction.atomic():
        widget = Widget.objects.select_for_update().filter(pk=widget_id).first()
        if widget is None:
            raise errors.NotFound(_("No such widget."))
        before = field_values(widget, WIDGET_APPEARANCE_FIELDS)
        for name in WIDGET_APPEARANCE_FIELDS:
            if name in values:
                value = values[name]
                setattr(widget, name, value.strip() if isinstance(value, str) else bool(value))
        try:
            widget.full_clean()
        except ValidationError as error:
            raise errors.InvalidInput(
                validation_text(widget, error), code="invalid_appearance"
            ) from None
        changed = changes_between(before, field_values(widget, WIDGET_APPEARANCE_FIELDS))
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
    supervisor_check(actor)
    defaults = retention.policy_defaults()
    wanted = {}
    for kind, value in days.items():
        if kind not in defaults:
            raise errors.InvalidInput(_("Unknown retention period."), code="invalid_kind")
        text = str(value).strip()
        if not (text.isascii() and text.isdigit()) or int(text) > MAX_RETENTION_DAYS:
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
        changed = changes_between(before, wanted)
        if changed:
            audit_record(
                actor=actor.user,
                action=AuditEvent.Action.SETTINGS_CHANGED,
                detail={"retention": changed},
            )
    return retention.policy_days_all()


def label_create(*, actor: AgentProfile, name: Any, colour: Any) -> Label:
    """A new label agents can put on conversations. Names are unique (case-insensitive)."""
    supervisor_check(actor)
    label = Label(name=str(name or "").strip(), colour=str(colour or "").strip().lower())
    try:
        label.full_clean(validate_unique=False)
    except ValidationError as error:
        raise errors.InvalidInput(validation_text(label, error), code="invalid_label") from None
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
    supervisor_check(actor)
    label = Label.objects.filter(pk=row_id(label_id)).first()
    if label is None:
        raise errors.NotFound(_("No such label."))
    with transaction.atomic():
        label.delete()
        audit_record(
            actor=actor.user,
            action=AuditEvent.Action.SETTINGS_CHANGED,
            detail={"label_deleted": label.name},
        )


# A target is typed as a number and a unit; stored in seconds (ResponseTarget).
TARGET_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
MAX_TARGET_SECONDS = 30 * 86400


def target_in_units(seconds: int | None) -> tuple[str, str]:
    """Seconds as the largest whole unit: 7200 → ("2", "hours"); None → ("", "minutes")."""
    if seconds is None:
        return "", "minutes"
    for unit, size in sorted(TARGET_UNITS.items(), key=lambda item: -item[1]):
        if seconds % size == 0:
            return str(seconds // size), unit
    return str(seconds), "seconds"


def _target_seconds(value: Any, unit: Any) -> int | None:
    """The typed target in seconds; None when left empty; ValueError when not valid."""
    text = str(value or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or unit not in TARGET_UNITS:
        raise ValueError
    seconds = int(text) * TARGET_UNITS[unit]
    if not 0 < seconds <= MAX_TARGET_SECONDS:
        raise ValueError
    return seconds


def response_targets_set(*, actor: AgentProfile, targets: dict[str, dict[str, Any]]) -> None:
    """Set the first-response and resolution targets of each priority, all or none.

    `targets` maps a priority to {first, first_unit, resolution, resolution_unit}; both empty
    removes the priority's target (no due times for its new conversations). The new targets
    apply to conversations that enter a queue from now on. Problems are FormInvalid with the
    fields `first-<priority>` and `resolution-<priority>`."""
    supervisor_check(actor)
    problems: dict[str, str] = {}
    wanted: dict[str, tuple[int, int] | None] = {}
    for priority, typed in targets.items():
        if priority not in Priority.values:
            raise errors.InvalidInput(_("Unknown priority."), code="invalid_priority")
        seconds = {}
        for kind in ("first", "resolution"):
            try:
                seconds[kind] = _target_seconds(typed.get(kind), typed.get(f"{kind}_unit"))
            except ValueError:
                problems[f"{kind}-{priority}"] = _(
                    "A target is a whole number above 0, at most 30 days."
                )
        if any(f"{kind}-{priority}" in problems for kind in ("first", "resolution")):
            continue
        first, resolution = seconds["first"], seconds["resolution"]
        if first is None and resolution is None:
            wanted[priority] = None
        elif first is None or resolution is None:
            empty = "first" if first is None else "resolution"
            problems[f"{empty}-{priority}"] = _("Give both targets, or leave both empty.")
        elif resolution < first:
            problems[f"resolution-{priority}"] = _(
                "Resolution cannot come before the first response."
            )
        else:
            wanted[priority] = (first, resolution)
    if problems:
        raise form_invalid(problems, code="invalid_targets")
    with transaction.atomic():
        before = {
            target.priority: (target.first_response_seconds, target.resolution_seconds)
            for target in ResponseTarget.objects.select_for_update()
        }
        changed = {}
        for priority, pair in wanted.items():
            if before.get(priority) == pair:
                continue
            if pair is None:
                ResponseTarget.objects.filter(priority=priority).delete()
            else:
                ResponseTarget.objects.update_or_create(
                    priority=priority,
                    defaults={"first_response_seconds": pair[0], "resolution_seconds": pair[1]},
                )
            changed[priority] = [before.get(priority), pair]
        if changed:
            settings_audit(actor=actor, detail={"response_targets": changed})
