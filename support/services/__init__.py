"""Every write of the helpdesk domain, one module per subdomain; callers use
`support.services.<name>` (re-exported here). Events leave after commit (support.events)."""

# The shared rate-limit counters (support.ratelimits), as callers of services knew them.
from ..ratelimits import rate_limit_enforce, rate_limit_hit
from .agents import (
    agent_console_closed,
    agent_heartbeat,
    agent_set_language,
    agent_set_presence,
)
from .assignment import (
    conversation_assign,
    conversation_set_priority,
    conversation_transfer,
    conversation_unassign,
)
from .attachments import (
    attachment_files_guard,
    attachment_ids_clean,
    attachment_store,
    attachment_upload_check,
    attachments_attach,
    attachments_delete,
    attachments_delete_for_contact,
    attachments_delete_for_conversations,
    attachments_delete_unsent,
    attachments_known,
)
from .attributes import (
    attribute_value_clean,
    attributes_typed_check,
    contact_attribute_set,
    conversation_attribute_set,
    prechat_answers_clean,
    prechat_field_known,
    prechat_field_name,
    prechat_field_repeats,
)
from .audit import (
    audit_record,
)
from .blocks import (
    block_lift,
    contact_block,
)
from .bulk import (
    BULK_ACTIONS,
    BULK_MAX_CONVERSATIONS,
    BulkResult,
    conversations_bulk_act,
)
from .canned import (
    CANNED_SHORTCUT,
    CANNED_TITLE_MAX_CHARS,
    canned_response_create,
    canned_response_delete,
    canned_response_update,
)
from .contact_addresses import (
    contact_for_email,
    email_address_clean,
)
from .conversations import (
    conversation_count_bot_turn,
    conversation_create,
    conversation_hand_off,
    conversation_record_message,
)
from .delivery import (
    message_delivery_pending,
    message_delivery_retry,
    message_delivery_set,
)
from .macros import (
    MACRO_ACTIONS,
    macro_actions_clean,
    macro_create,
    macro_delete,
    macro_run,
    macro_update,
)
from .merge import (
    contact_merge,
)
from .message_edits import (
    message_can_change,
    message_delete,
    message_edit,
    message_edit_window,
    visitor_message_delete,
)
from .messages import (
    CLIENT_ID_MAX_CHARS,
    INBOX_ROW_RELATED,
    PUBLISHED_CONVERSATION_FIELDS,
    message_send,
    messages_erase_for_conversations,
)
from .notes_labels import (
    MENTION,
    conversation_label_add,
    conversation_label_remove,
    mention_usernames,
    note_create,
    notes_delete_for_conversations,
)
from .queue import (
    queue_drain,
)
from .read_marks import (
    UNREAD_FOR,
    conversation_mark_read,
    conversation_marks_read,
)
from .security import (
    login_failure_record,
    login_failures_clear,
    login_lockout_remaining,
    widget_session_rate_check,
)
from .sessions import (
    CONTACT_EVENT_FIELDS,
    CONTACT_TOUCH_EVERY,
    DEVICE_FIELDS,
    contact_for_phone,
    contact_touch,
    contact_update,
    contact_upsert,
    visitor_session_revoke,
    widget_session_open,
)
from .snooze import (
    SNOOZE_MAX_DAYS,
    conversation_snooze,
    conversation_wake,
    snooze_presets,
    snooze_until_clean,
    snoozed_wake_due,
)
from .status import (
    conversation_reopen,
    conversation_resolve,
    conversation_resolve_by_bot,
    conversation_set_status,
)
from .transitions import (
    STATUS_TRANSITIONS,
    conversation_transition,
    status_actions,
    status_moves,
)
from .visitors import (
    ACTION_TYPES,
    clean_action,
    conversation_start,
    visitor_message_send,
)

__all__ = [
    "ACTION_TYPES",
    "BULK_ACTIONS",
    "BULK_MAX_CONVERSATIONS",
    "CANNED_SHORTCUT",
    "CANNED_TITLE_MAX_CHARS",
    "CLIENT_ID_MAX_CHARS",
    "CONTACT_EVENT_FIELDS",
    "CONTACT_TOUCH_EVERY",
    "DEVICE_FIELDS",
    "INBOX_ROW_RELATED",
    "MACRO_ACTIONS",
    "MENTION",
    "PUBLISHED_CONVERSATION_FIELDS",
    "SNOOZE_MAX_DAYS",
    "STATUS_TRANSITIONS",
    "UNREAD_FOR",
    "BulkResult",
    "agent_console_closed",
    "agent_heartbeat",
    "agent_set_language",
    "agent_set_presence",
    "attachment_files_guard",
    "attachment_ids_clean",
    "attachment_store",
    "attachment_upload_check",
    "attachments_attach",
    "attachments_delete",
    "attachments_delete_for_contact",
    "attachments_delete_for_conversations",
    "attachments_delete_unsent",
    "attachments_known",
    "attribute_value_clean",
    "attributes_typed_check",
    "audit_record",
    "block_lift",
    "canned_response_create",
    "canned_response_delete",
    "canned_response_update",
    "clean_action",
    "contact_attribute_set",
    "contact_block",
    "contact_for_email",
    "contact_for_phone",
    "contact_merge",
    "contact_touch",
    "contact_update",
    "contact_upsert",
    "conversation_assign",
    "conversation_attribute_set",
    "conversation_count_bot_turn",
    "conversation_create",
    "conversation_hand_off",
    "conversation_label_add",
    "conversation_label_remove",
    "conversation_mark_read",
    "conversation_marks_read",
    "conversation_record_message",
    "conversation_reopen",
    "conversation_resolve",
    "conversation_resolve_by_bot",
    "conversation_set_priority",
    "conversation_set_status",
    "conversation_snooze",
    "conversation_start",
    "conversation_transfer",
    "conversation_transition",
    "conversation_unassign",
    "conversation_wake",
    "conversations_bulk_act",
    "email_address_clean",
    "login_failure_record",
    "login_failures_clear",
    "login_lockout_remaining",
    "macro_actions_clean",
    "macro_create",
    "macro_delete",
    "macro_run",
    "macro_update",
    "mention_usernames",
    "message_can_change",
    "message_delete",
    "message_delivery_pending",
    "message_delivery_retry",
    "message_delivery_set",
    "message_edit",
    "message_edit_window",
    "message_send",
    "messages_erase_for_conversations",
    "note_create",
    "notes_delete_for_conversations",
    "prechat_answers_clean",
    "prechat_field_known",
    "prechat_field_name",
    "prechat_field_repeats",
    "queue_drain",
    "rate_limit_enforce",
    "rate_limit_hit",
    "snooze_presets",
    "snooze_until_clean",
    "snoozed_wake_due",
    "status_actions",
    "status_moves",
    "visitor_message_delete",
    "visitor_message_send",
    "visitor_session_revoke",
    "widget_session_open",
    "widget_session_rate_check",
]
