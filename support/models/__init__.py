"""The helpdesk's data, one module per subdomain; import models from `support.models`."""

from .agents import AgentProfile
from .attributes import ATTRIBUTE_KEY_VALIDATOR, AttributeDefinition, PreChatField
from .audit import AuditEvent, RateLimitBucket
from .blocks import ContactBlock
from .canned import HEX_COLOUR_VALIDATOR, CannedResponse, Label, Note
from .contacts import (
    MAX_ATTRIBUTE_NAME_CHARS,
    MAX_ATTRIBUTES,
    MAX_FIELD_CHARS,
    Contact,
    ContactChange,
)
from .conversations import ACTIVE_STATUSES, SLA_BREACHED_ORDER, Conversation
from .macros import Macro
from .messages import Attachment, Message
from .retention import RetentionPolicy
from .teams import (
    PRIORITY_ORDER,
    PRIORITY_RANK,
    BusinessHoursInterval,
    NamedInTwoLanguages,
    Priority,
    PriorityRule,
    ResponseTarget,
    SpecialDay,
    Team,
    Topic,
    default_time_zone,
)
from .widgets import Widget, generate_widget_secret

__all__ = [
    "ACTIVE_STATUSES",
    "ATTRIBUTE_KEY_VALIDATOR",
    "HEX_COLOUR_VALIDATOR",
    "MAX_ATTRIBUTES",
    "MAX_ATTRIBUTE_NAME_CHARS",
    "MAX_FIELD_CHARS",
    "PRIORITY_ORDER",
    "PRIORITY_RANK",
    "SLA_BREACHED_ORDER",
    "AgentProfile",
    "Attachment",
    "AttributeDefinition",
    "AuditEvent",
    "BusinessHoursInterval",
    "CannedResponse",
    "Contact",
    "ContactBlock",
    "ContactChange",
    "Conversation",
    "Label",
    "Macro",
    "Message",
    "NamedInTwoLanguages",
    "Note",
    "PreChatField",
    "Priority",
    "PriorityRule",
    "RateLimitBucket",
    "ResponseTarget",
    "RetentionPolicy",
    "SpecialDay",
    "Team",
    "Topic",
    "Widget",
    "default_time_zone",
    "generate_widget_secret",
]
