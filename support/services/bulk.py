"""Bulk actions of the console's inbox: one action on many selected conversations.

Each conversation goes through the same service as a single one would (the same rules, the
same audit records and events), in a transaction of its own: one refused row does not undo
the others. Rows the agent may not see are refused as not found, never acted on.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from .. import errors, selectors
from ..edge import row_id
from ..models import AgentProfile, Conversation
from .assignment import conversation_assign, conversation_transfer, conversation_unassign
from .notes_labels import conversation_label_add
from .snooze import conversation_snooze, snooze_until_clean
from .status import conversation_resolve

BULK_ACTIONS = ("assign", "team", "label", "resolve", "snooze")
# The most rows one bulk action takes: a page of the inbox.
BULK_MAX_CONVERSATIONS = 100


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    # (conversation id, why), in the agent's language.
    refused: list[tuple[int, str]] = field(default_factory=list)


def _ids_clean(conversation_ids: Any) -> list[int]:
    ids = []
    for value in conversation_ids or []:
        conversation_id = row_id(value)
        if conversation_id is None:
            raise errors.InvalidInput(_("Select conversations from the list."))
        if conversation_id not in ids:
            ids.append(conversation_id)
    if not ids:
        raise errors.InvalidInput(_("Select at least one conversation."), code="nothing_selected")
    if len(ids) > BULK_MAX_CONVERSATIONS:
        raise errors.InvalidInput(
            _("Select at most %(count)s conversations at once.") % {"count": BULK_MAX_CONVERSATIONS}
        )
    return ids


def conversations_bulk_act(
    *,
    profile: AgentProfile,
    conversation_ids: Any,
    action: str,
    value: Any = "",
    until: datetime | None = None,
) -> BulkResult:
    """Apply `action` to each selected conversation the agent may see.

    assign: value "me", "" (unassign) or an agent's user id · team: a team id · label: a label
    id · resolve · snooze: until `until` (None: until the customer writes).
    Bad input for the whole action (unknown action, team, label, agent or time) raises
    InvalidInput before any row changes.
    """
    if action not in BULK_ACTIONS:
        raise errors.InvalidInput(_("Unknown action."), code="unknown_action")
    ids = _ids_clean(conversation_ids)
    user = profile.user
    target_user = None
    if action == "assign" and value not in ("", "me"):
        target_user = selectors.agent_user_get(user_id=value)
    if action == "team" and not selectors.team_exists(team_id=value):
        raise errors.InvalidInput(_("No such team."), code="invalid_team")
    if action == "label" and not selectors.label_exists(label_id=value):
        raise errors.InvalidInput(_("No such label."), code="invalid_label")
    if action == "snooze":
        until = snooze_until_clean(until=until)
    visible = {
        c.pk: c for c in selectors.conversation_list_for_agent_by_ids(profile=profile, ids=ids)
    }
    result = BulkResult()
    for conversation_id in ids:
        conversation = visible.get(conversation_id)
        if conversation is None:
            result.refused.append((conversation_id, _("not found or not yours to change")))
            continue
        try:
            _act(
                conversation=conversation,
                action=action,
                value=value,
                user=user,
                target_user=target_user,
                until=until,
            )
        except errors.DomainError as error:
            result.refused.append((conversation_id, error.detail))
        else:
            result.done.append(conversation_id)
    return result


def _act(*, conversation: Conversation, action: str, value, user, target_user, until) -> None:
    if action == "assign":
        if value == "":
            conversation_unassign(conversation=conversation, by_user=user)
        else:
            conversation_assign(
                conversation=conversation, to_user=target_user or user, by_user=user
            )
    elif action == "team":
        conversation_transfer(conversation=conversation, by_user=user, team_id=value)
    elif action == "label":
        conversation_label_add(conversation=conversation, label_id=value)
    elif action == "resolve":
        conversation_resolve(conversation=conversation, agent=user)
    elif action == "snooze":
        conversation_snooze(conversation=conversation, by_user=user, until=until)
