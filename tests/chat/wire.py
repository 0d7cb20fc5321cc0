"""The keys of the widget protocol's objects (docs/protocol.md), as the tests expect them."""

MESSAGE_KEYS = {
    "id",
    "conversation",
    "client_id",
    "sender",
    "body",
    "attachments",
    "actions",
    "created_at",
}
CONVERSATION_KEYS = {
    "id",
    "status",
    "topic",
    "priority",
    "assignee",
    "created_at",
    "resolved_at",
    "rating",
    "visitor_last_read",
    "agent_last_read",
    "queue",  # an addition to v1: place in line while waiting
    "reopen_until",  # additions: the visitor's reopen window of a resolved conversation
    "reopenable",
    "email_offer",  # an addition: offer the "leave your email" form now
}
