"""Macros: a named sequence of actions on a conversation, run with one click.

Each action goes through the service that does it alone (a reply through message_send, a
label through conversation_label_add, …): the same rules, audit records and events; a macro
adds no rule of its own. A run is atomic: if one action is refused, none stays done.
"""

from datetime import tzinfo
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from .. import canned, errors, selectors
from ..edge import row_id
from ..languages import contact_language
from ..models import AgentProfile, AuditEvent, CannedResponse, Conversation, Macro
from .assignment import (
    conversation_assign,
    conversation_set_priority,
    conversation_transfer,
    conversation_unassign,
)
from .audit import audit_record
from .canned import owned_scope_set
from .messages import message_send
from .notes_labels import conversation_label_add
from .snooze import SNOOZE_PRESETS, conversation_snooze, snooze_presets
from .status import conversation_resolve

# In the order the console's form offers them (a reply first, resolve or snooze last).
MACRO_ACTIONS = ("reply", "label", "priority", "assign", "team", "resolve", "snooze")
MACRO_NAME_MAX_CHARS = 80
MACRO_MAX_ACTIONS = 10


def macro_actions_clean(actions: Any) -> list[dict]:
    """[{type, value}, …] checked against what exists now; InvalidInput naming the problem."""
    if not isinstance(actions, list) or not actions:
        raise errors.InvalidInput(_("A macro needs at least one action."), code="no_actions")
    if len(actions) > MACRO_MAX_ACTIONS:
        raise errors.InvalidInput(
            _("A macro can have at most %(count)s actions.") % {"count": MACRO_MAX_ACTIONS}
        )
    cleaned = []
    for action in actions:
        kind = action.get("type") if isinstance(action, dict) else None
        value = str(action.get("value", "")) if isinstance(action, dict) else ""
        if kind not in MACRO_ACTIONS:
            raise errors.InvalidInput(_("Unknown action."), code="unknown_action")
        valid = _action_value_valid(kind=kind, value=value)
        if not valid:
            raise errors.InvalidInput(
                _("The %(action)s action has no valid choice.") % {"action": kind},
                code="invalid_action",
            )
        cleaned.append({"type": kind, "value": value})
    return cleaned


def _action_value_valid(*, kind: str, value: str) -> bool:
    if kind == "reply":
        return row_id(value) is not None and CannedResponse.objects.filter(pk=value).exists()
    if kind == "label":
        return selectors.label_exists(label_id=value)
    if kind == "priority":
        return value in Conversation.Priority.values
    if kind == "assign":
        return value in ("me", "") or (
            row_id(value) is not None and AgentProfile.objects.filter(user_id=value).exists()
        )
    if kind == "team":
        return selectors.team_exists(team_id=value)
    if kind == "snooze":
        return value in SNOOZE_PRESETS
    return value == ""  # resolve


def _name_clean(name: Any) -> str:
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > MACRO_NAME_MAX_CHARS:
        raise errors.InvalidInput(
            _("Give the macro a name of at most %(count)s characters.")
            % {"count": MACRO_NAME_MAX_CHARS},
            code="invalid_name",
        )
    return name


def _may_manage(*, by: AgentProfile, macro: Macro) -> None:
    if selectors.macro_can_manage(profile=by, macro=macro):
        return
    raise errors.Forbidden(_("Only supervisors manage team macros; agents their own."))


def macro_create(*, by: AgentProfile, name: Any, actions: Any, team_id: Any = None) -> Macro:
    """A personal macro of `by`, or with team_id a team's macro (supervisors only)."""
    macro = Macro(name=_name_clean(name), actions=macro_actions_clean(actions))
    owned_scope_set(
        item=macro,
        by=by,
        team_id=team_id,
        forbidden=_("Only supervisors manage team macros; agents their own."),
    )
    macro.save()
    return macro


def macro_update(*, by: AgentProfile, macro: Macro, name: Any, actions: Any) -> Macro:
    _may_manage(by=by, macro=macro)
    macro.name = _name_clean(name)
    macro.actions = macro_actions_clean(actions)
    macro.save(update_fields=["name", "actions", "updated_at"])
    return macro


def macro_delete(*, by: AgentProfile, macro: Macro) -> None:
    _may_manage(by=by, macro=macro)
    macro.delete()


def macro_run(
    *, profile: AgentProfile, macro: Macro, conversation: Conversation, time_zone: tzinfo
) -> Conversation:
    """Run the macro's actions on the conversation, in order, all or none. The caller checked
    that the agent may see the conversation and use the macro; `time_zone` is the agent's
    (a snooze "until tomorrow" is their morning)."""
    user = profile.user
    with transaction.atomic():
        for action in macro.actions:
            _macro_step(
                profile=profile,
                user=user,
                conversation=conversation,
                action=action,
                time_zone=time_zone,
            )
            conversation.refresh_from_db()
        audit_record(
            actor=user,
            action=AuditEvent.Action.MACRO_RUN,
            contact_id=conversation.contact_id,
            conversation_id=conversation.pk,
            detail={"macro": macro.pk, "name": macro.name, "actions": macro.actions},
        )
    return conversation


def _macro_step(
    *, profile, user, conversation: Conversation, action: dict, time_zone: tzinfo
) -> None:
    kind, value = action["type"], action["value"]
    if kind == "reply":
        reply = selectors.canned_response_get_for_agent(profile=profile, canned_id=value)
        text = canned.render(
            text=reply.body_for(contact_language(conversation.contact)),
            variables=canned.variables_for(conversation=conversation, agent_profile=profile),
        )
        message_send(
            conversation=conversation,
            sender_type="agent",
            body=text,
            agent=user,
            visible_to=profile,
        )
    elif kind == "label":
        conversation_label_add(conversation=conversation, label_id=value)
    elif kind == "priority":
        conversation_set_priority(conversation=conversation, priority=value, by_user=user)
    elif kind == "assign":
        if value == "":
            conversation_unassign(conversation=conversation, by_user=user)
        else:
            target = user if value == "me" else selectors.agent_user_get(user_id=value)
            conversation_assign(conversation=conversation, to_user=target, by_user=user)
    elif kind == "team":
        conversation_transfer(conversation=conversation, by_user=user, team_id=value)
    elif kind == "resolve":
        conversation_resolve(conversation=conversation, agent=user)
    elif kind == "snooze":
        conversation_snooze(
            conversation=conversation,
            by_user=user,
            until=snooze_presets(time_zone=time_zone).get(value),
        )
