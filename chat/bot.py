"""The greeting bot: plain rules over topics and help articles, no external AI.

Its decisions are `decide()`, a pure function; the rest carries them out through the same
services as people (`message_send` with sender "bot"; support's hand-off and resolve).
A conversation is the bot's while its status is "bot": it greets, suggests up to three help
articles for the visitor's question, and either hears "this solved it" (resolved by the bot,
counted as deflected) or hands over to a person, who is routed by topic as usual.
"""

from dataclasses import dataclass

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from faq import selectors as faq_selectors
from support import automation, hours
from support import selectors as support_selectors
from support import services as support_services
from support.languages import contact_language
from support.models import Conversation

MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class Decision:
    kind: str  # "suggest", "handoff", "deflect" or "none"
    topic_slug: str = ""


def decide(*, status: str, bot_turns: int, action: dict | None, has_suggestions: bool) -> Decision:
    """What the bot does with one visitor message."""
    if status != Conversation.Status.BOT:
        return Decision("none")
    kind = (action or {}).get("type")
    if kind == "topic":
        return Decision("handoff", topic_slug=str(action.get("value") or ""))
    if kind == "handoff":
        return Decision("handoff")
    if kind == "solved":
        return Decision("deflect")
    if kind in ("faq", "rating"):
        return Decision("none")
    # Free text: one round of suggestions, then a person; never a loop with the bot.
    if bot_turns == 0 and has_suggestions:
        return Decision("suggest")
    return Decision("handoff")


def _articles(*, query: str, language: str, topic_slug: str = "") -> list[dict]:
    return faq_selectors.article_suggestions(
        query=query, language=language, topic_slug=topic_slug or None, limit=MAX_SUGGESTIONS
    )


def _faq_actions(articles: list[dict]) -> list[dict]:
    return [
        {"type": "faq", "label": a["title"], "value": str(a["id"]), "url": a["url"]}
        for a in articles
    ]


def _handoff_action() -> dict:
    return {"type": "handoff", "label": _("Talk to a person"), "value": ""}


def greet(*, conversation: Conversation) -> None:
    """The first bot message: the widget's greeting, topics and the top help articles."""
    widget = conversation.contact.widget
    language = contact_language(conversation.contact)
    with translation.override(language):
        greeting = widget.greeting_for(language) or _(
            "Hi! I'm the Destek assistant. What can we help you with? Pick a topic, try an "
            "article, or just type your question."
        )
        actions = [
            {"type": "topic", "label": topic.name_for(language), "value": topic.slug}
            for topic in support_selectors.topic_list_active()
        ]
        actions += _faq_actions(_articles(query="", language=language))
        actions.append(_handoff_action())
        _bot_say(conversation, greeting, actions=actions)


def on_visitor_message(*, conversation: Conversation, text: str, action: dict | None) -> None:
    """React to a visitor message while the conversation is the bot's."""
    language = contact_language(conversation.contact)
    articles = []
    if action is None and conversation.status == Conversation.Status.BOT:
        topic_slug = conversation.topic.slug if conversation.topic_id else ""
        articles = _articles(query=text, language=language, topic_slug=topic_slug)
    decision = decide(
        status=conversation.status,
        bot_turns=conversation.bot_turns,
        action=action,
        has_suggestions=bool(articles),
    )
    with translation.override(language):
        if decision.kind == "suggest":
            support_services.conversation_count_bot_turn(conversation=conversation)
            _bot_say(
                conversation,
                _("These articles may answer it:"),
                actions=[
                    *_faq_actions(articles),
                    {"type": "solved", "label": _("This solved it"), "value": ""},
                    _handoff_action(),
                ],
            )
        elif decision.kind == "deflect":
            support_services.conversation_resolve_by_bot(conversation=conversation)
            _bot_say(
                conversation,
                _("Great, glad that helped! Write here any time if you need us again."),
            )
        elif decision.kind == "handoff":
            conversation = support_services.conversation_hand_off(
                conversation=conversation, topic_slug=decision.topic_slug
            )
            announce_handoff(conversation=conversation, language=language)


def announce_handoff(*, conversation: Conversation, language: str) -> None:
    """Tell the visitor what happens next: who answers, how long, or when we open."""
    conversation.refresh_from_db()
    with translation.override(language):
        now = timezone.now()
        status = (
            hours.team_opening_status(team=conversation.team, at=now)
            if conversation.team_id
            else None
        )
        if status is not None and not status.is_open:
            body = automation.closed_text(
                conversation=conversation, next_open_at=status.next_open_at, language=language
            )
            # This is the period's out-of-hours reply: the auto-reply task sends no other.
            automation.after_hours_reply_mark(
                conversation=conversation,
                until=status.next_open_at or now + hours.HORIZON,
                now=now,
            )
        elif conversation.assignee_id and (
            name := support_selectors.agent_online_name(user_id=conversation.assignee_id)
        ):
            # Only an agent whose console is open right now: a visitor promised someone who
            # left waits for nobody.
            body = _("%(name)s will be with you in a moment.") % {"name": name}
        else:
            queue = support_selectors.conversation_queue_info(conversation=conversation)
            body = _("Thanks! I'm passing you to a person.")
            if queue and queue["estimated_wait_seconds"]:
                minutes = max(1, round(queue["estimated_wait_seconds"] / 60))
                body += " " + _("You are number %(position)s in line, about %(minutes)s min.") % {
                    "position": queue["position"],
                    "minutes": minutes,
                }
            elif queue:
                body += " " + _("You are number %(position)s in line.") % {
                    "position": queue["position"]
                }
        _bot_say(conversation, body)


def _bot_say(conversation: Conversation, body: str, *, actions: list | None = None) -> None:
    support_services.message_send(
        conversation=conversation, sender_type="bot", body=body, actions=actions
    )
