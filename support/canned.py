"""Filling a canned reply's variables for one conversation: pure, no queries of its own."""

import re

from .languages import contact_language

VARIABLE_NAMES = (
    "contact.name",
    "contact.first_name",
    "contact.email",
    "agent.name",
    "agent.first_name",
    "conversation.id",
    "conversation.topic",
    "team.name",
)


def _first_word(text: str) -> str:
    return text.split()[0] if text.strip() else ""


def variables_for(*, conversation, agent_profile) -> dict[str, str]:
    """What each variable means in this conversation; unknown values are empty strings."""
    contact = conversation.contact
    language = contact_language(contact)
    return {
        "contact.name": contact.name,
        "contact.first_name": _first_word(contact.name),
        "contact.email": contact.email,
        "agent.name": agent_profile.name,
        "agent.first_name": _first_word(agent_profile.name),
        "conversation.id": str(conversation.pk),
        "conversation.topic": conversation.topic.name_for(language) if conversation.topic else "",
        "team.name": conversation.team.name_for(language) if conversation.team else "",
    }


def render(*, text: str, variables: dict[str, str]) -> str:
    """Replace known variables; unknown ones are left untouched so the agent sees them.

    An empty value takes the space before it along: "Hello {contact.name}," for a visitor
    without a name reads "Hello,", not "Hello ,".
    """
    pattern = re.compile(r"([ \t]*)\{([a-z_]+\.[a-z_]+)\}")

    def replace(match: re.Match) -> str:
        space, name = match.group(1), match.group(2)
        if name not in variables:
            return match.group(0)
        value = variables[name]
        return space + value if value else ""

    return pattern.sub(replace, text).strip()
