"""The agent console's side of the domain's events: HTML fragments rendered by the console's
templates, published after commit to the console groups (chat.realtime.publish, the one publisher).

Who may see a conversation is one rule (support.selectors' visibility Q: supervisors see
everything, agents their teams', unrouted ones and those assigned to them). Here it is the
groups: `conversation_groups` names the groups that may see a conversation and `agent_groups`
the ones a console joins; a socket may show a conversation when the two share a group (tests
prove this agrees with the Q for every role, team and assignment). Inbox rows go out with the
groups that may see them and the row's facts, and each console socket sends its page only the
rows its inbox shows (`inbox_row_matches`, the filters of conversation_list_for_inbox); a row
it may no longer show is withdrawn.

One event per audience and change (`conversation_events`): the consoles watching the
conversation get its new message (or header) with its row in one event and one frame; the
inbox groups get the row, which a socket sends at once when the conversation is its agent's
and otherwise in batches (the newest state of each row, at most a few frames a second,
however many messages arrive: ConsoleConsumer.console_inbox_row). These events are rendered
in the languages of the consoles connected (console.languages_in_use); a socket whose language
one lacks renders it itself (`event_in_language`).
"""

import itertools
import os
from functools import lru_cache

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from chat import realtime as transport
from chat.realtime import (
    CONSOLE_SUPERVISORS,
    CONSOLE_UNROUTED,
    console_agent_group,
    console_conversation_group,
    console_team_group,
)
from support import selectors as support_selectors
from support import services as support_services
from support.models import Conversation, Message

from . import languages_in_use, pieces, presenters, timeline

__all__ = [
    "CONSOLE_SUPERVISORS",
    "CONSOLE_UNROUTED",
    "console_agent_group",
    "console_conversation_group",
    "console_team_group",
]


def conversation_groups(*, team_id: int | None, assignee_id: int | None) -> list[str]:
    """Every console group whose agents may see a conversation of this team and assignee."""
    groups = [CONSOLE_SUPERVISORS]
    groups.append(console_team_group(team_id) if team_id else CONSOLE_UNROUTED)
    if assignee_id:
        groups.append(console_agent_group(assignee_id))
    return groups


def agent_groups(*, user_id: int, is_supervisor: bool, team_ids: list[int]) -> list[str]:
    """The groups an agent's console joins. Everyone's own group also carries what is for them
    alone (mentions, the end of their sign-in)."""
    own = console_agent_group(user_id)
    if is_supervisor:
        return [CONSOLE_SUPERVISORS, own]
    return [CONSOLE_UNROUTED, own, *(console_team_group(team_id) for team_id in team_ids)]


def may_see(joined: list[str], groups: list[str]) -> bool:
    return not set(joined).isdisjoint(groups)


def console_inbox_groups(conversation) -> list[str]:
    """Every console inbox that may show this conversation."""
    return conversation_groups(team_id=conversation.team_id, assignee_id=conversation.assignee_id)


def inbox_row_matches(row: dict, *, filters: dict, user_id: int, team_ids: list[int]) -> bool:
    """Whether an inbox with these filters (console.views.contexts.inbox_filters) lists the row:
    the conditions of support.selectors.conversation_list_for_inbox beyond visibility, for
    rows that arrive live (tests compare the two)."""
    status = filters.get("status", "active")
    if status == "active":
        if row["status"] not in support_selectors.OPEN_STATUSES:
            return False
    elif status in Conversation.Status.values and row["status"] != status:
        return False
    priority = filters.get("priority")
    if priority in Conversation.Priority.values and row["priority"] != priority:
        return False
    if filters.get("topic") and row["topic"] != filters["topic"]:
        return False
    if filters.get("label") and filters["label"] not in row["labels"]:
        return False
    channel = filters.get("channel")
    if channel in Conversation.Channel.values and row["channel"] != channel:
        return False
    view = filters.get("view")
    if view == "mine":
        return row["assignee_id"] == user_id
    if view == "unassigned":
        return row["assignee_id"] is None
    if view == "teams":
        return row["team_id"] in team_ids
    return True


def notify_concerns(row: dict, *, user_id: int, team_ids: list[int]) -> bool:
    """Whether a visitor's message is this agent's to hear about (a sound, a desktop
    notification): theirs when assigned to them, else their teams' and unrouted ones'. A
    supervisor is not called for other teams' conversations they may see."""
    if row["assignee_id"] is not None:
        return row["assignee_id"] == user_id
    return row["team_id"] is None or row["team_id"] in team_ids


def row_facts(conversation) -> dict:
    """What inbox_row_matches reads, from the objects the row is rendered from (no query)."""
    labels = getattr(conversation, "label_list", None)
    if labels is None:
        labels = list(conversation.labels.all())
    topic = conversation.topic if conversation.topic_id else None
    return {
        "id": conversation.pk,
        "status": conversation.status,
        "channel": conversation.channel,
        "priority": conversation.priority,
        "topic": topic.slug if topic else "",
        "labels": [label.pk for label in labels],
        "team_id": conversation.team_id,
        "assignee_id": conversation.assignee_id,
    }


def in_language(html: dict[str, str], language: str) -> str:
    """A fragment rendered in every language (render_each_language), in `language`."""
    if not html:
        return ""
    return html.get(language) or html[settings.LANGUAGE_CODE]


def inbox_piece(
    inbox: dict,
    *,
    joined: list[str],
    filters: dict | None,
    user_id: int,
    team_ids: list[int],
    language: str,
) -> str | None:
    """A conversation's inbox row (conversation_events) as one console socket shows it: the
    row when its agent may see the conversation and the page's inbox (`filters`, None for a
    page without the list) lists it, its withdrawal when not (a move, a filter it left), and
    the notification when it concerns the agent. None when what it shows was not rendered in
    `language` (languages_in_use): the socket renders it (event_in_language)."""
    allowed = may_see(joined, inbox["groups"])
    row = inbox["row"]
    notifies = (
        inbox["notify_message_id"] is not None
        and allowed
        and notify_concerns(row, user_id=user_id, team_ids=team_ids)
    )
    lists = (
        filters is not None
        and allowed
        and inbox_row_matches(row, filters=filters, user_id=user_id, team_ids=team_ids)
    )
    if (notifies or lists) and language not in inbox["languages"]:
        return None
    html = inbox["notify"][language] if notifies else ""
    if filters is None:
        return html
    if lists:
        return inbox["html"][language] + html
    return row_withdrawn_html(row["id"]) + html


def row_withdrawn_html(conversation_id: int) -> str:
    """Takes a row off an inbox that may not (or no longer) show it."""
    return f'<li id="conv-row-{int(conversation_id)}" hx-swap-oob="delete"></li>'


# Event shapes: `type` names the consumer method that handles it.
def console_event(html: str | dict[str, str], *, message_id: int | None = None) -> dict:
    """`html` is one fragment, or one per language (`render_each_language`): each console
    socket sends its agent's. `message_id` marks a message fragment, so the socket knows which
    ones it delivered."""
    event = {"type": "console.html", "html": html}
    if message_id is not None:
        event["message_id"] = message_id
    return event


def each_language(render, *args, languages: list[str] | None = None) -> dict[str, str]:
    """`render(*args)`, a console fragment, in each of `languages` (every console language when
    None): one event reaches agents who speak different ones, and this thread's language is
    whoever caused the change (or none)."""
    if languages is None:
        languages = [code for code, _name in settings.LANGUAGES]
    rendered = {}
    for language in languages:
        with translation.override(language):
            rendered[language] = render(*args)
    return rendered


def render_each_language(template: str, context: dict) -> dict[str, str]:
    """A console template in every console language (each_language)."""
    return each_language(render_to_string, template, context)


def inbox_row_each_language(conversation, languages: list[str] | None = None) -> dict[str, str]:
    """The live inbox row (console/oob_inbox_row.html) in each of `languages` (each_language):
    its language-free values read once."""
    values = presenters.inbox_row_values(conversation)
    return each_language(presenters.live_inbox_row_html, conversation, values, languages=languages)


# Names one row update, so a console in two of its groups (its team's and its own) sends it
# once.
_row_numbers = itertools.count()


def _inbox_part(
    conversation,
    *,
    languages: list[str],
    html: dict[str, str],
    notify: dict[str, str],
    notify_message_id: int | None = None,
) -> dict:
    """`html`, the row, and `notify`, the notification of `notify_message_id` (a visitor's
    message; None for none), in each of `languages`."""
    return {
        "id": f"{os.getpid()}.{next(_row_numbers)}",
        "languages": languages,
        "html": html,
        "notify": notify,
        "notify_message_id": notify_message_id,
        "row": row_facts(conversation),
        "groups": console_inbox_groups(conversation),
    }


def _watchers_html(conversation, message, message_values, header: bool) -> str:
    """What the consoles watching the conversation get beside its row: the new message, then
    the header when it changed."""
    html = timeline.live_message_html(message, conversation, message_values) if message else ""
    if header:
        html += presenters.live_header_html(presenters.conversation_header(conversation))
    return html


def _fragments(conversation, *, message, header: bool, languages: list[str]) -> tuple:
    """The watchers' fragment (_watchers_html), the inbox row and the notification of a
    visitor's message ({} for none), in each of `languages`: what is the same in every language
    read once."""
    message_values = timeline.live_message_values(message, conversation) if message else None
    html = each_language(
        _watchers_html, conversation, message, message_values, header, languages=languages
    )
    rows = inbox_row_each_language(conversation, languages)
    notify = {}
    if message is not None and message.sender_type == Message.SenderType.VISITOR:
        # Each console decides whether it concerns its agent (sound, desktop notification).
        notify = each_language(
            timeline.live_notify_html, message, conversation, languages=languages
        )
    return html, rows, notify


def conversation_events(
    conversation, *, message: Message | None = None, header: bool = False, also_to=()
) -> list[tuple[str, dict]]:
    """One event per audience, rendered in the languages of the consoles connected
    (languages_in_use). The consoles watching the conversation get the new `message` and the
    header (when `header`) with its inbox row together, at once; every group that may see it,
    and `also_to` (groups that could see it before a move, whose consoles withdraw it), the row,
    which consoles send in batches (ConsoleConsumer.console_inbox_row). A visitor's message is
    notified (sound, desktop notification) to every console that may see it."""
    languages = languages_in_use.languages.current()
    support_selectors.conversation_label_list_load(conversation)
    html, rows, notify = _fragments(
        conversation, message=message, header=header, languages=languages
    )
    inbox = _inbox_part(
        conversation,
        languages=languages,
        html=rows,
        notify=notify,
        notify_message_id=message.pk if notify else None,
    )
    watchers = {
        "type": "console.conversation",
        "conversation_id": conversation.pk,
        "message_id": message.pk if message else None,
        "header": header,
        "languages": languages,
        "html": html,
        "inbox": inbox,
    }
    rows_event = {"type": "console.inbox_row", **inbox}
    outgoing = [(console_conversation_group(conversation.pk), watchers)]
    outgoing += [(group, rows_event) for group in dict.fromkeys([*inbox["groups"], *also_to])]
    return outgoing


def _again_in_language(
    *, conversation_id: int, message_id: int | None, header: bool, language: str
) -> tuple:
    """_fragments in `language` alone, from the database as it is now (after the commit that
    published the event)."""
    conversation = support_selectors.conversation_get_for_inbox_row(conversation_id=conversation_id)
    if conversation is None:
        return {language: ""}, {language: ""}, {language: ""}
    message = None
    if message_id is not None:
        message = support_selectors.message_get_for_console(message_id=message_id)
    html, rows, notify = _fragments(
        conversation, message=message, header=header, languages=[language]
    )
    return html, rows, {language: notify.get(language, "")}


def event_in_language(event: dict, language: str) -> dict:
    """An event of conversation_events (or its inbox part) rendered without `language`, which
    no console was known to speak when it was published (languages_in_use): rendered in it by
    the socket that speaks it, from the ids in the event (rare: a few queries)."""
    if event.get("type") != "console.conversation":
        return _inbox_in_language(event, language=language)
    html, rows, notify = _again_in_language(
        conversation_id=event["conversation_id"],
        message_id=event["message_id"],
        header=event["header"],
        language=language,
    )
    inbox = {**event["inbox"], "languages": [language], "html": rows, "notify": notify}
    return {**event, "languages": [language], "html": html, "inbox": inbox}


def _inbox_in_language(inbox: dict, *, language: str) -> dict:
    _html, rows, notify = _again_in_language(
        conversation_id=inbox["row"]["id"],
        message_id=inbox["notify_message_id"],
        header=False,
        language=language,
    )
    return {**inbox, "languages": [language], "html": rows, "notify": notify}


def message_created(*, message: Message, conversation, conversation_changed: bool = False) -> None:
    """A new message, from the objects its transaction held (no query but the conversation's
    labels when it has any: message_send's lock says whether there are any): the watching
    consoles' fragment with the inbox row (and the status header when
    `conversation_changed`), and the row to the inboxes."""
    conversation.unread_count = conversation.agent_unread_count
    transport.publish(
        conversation_events(conversation, message=message, header=conversation_changed)
    )


def message_changed(*, message: Message) -> None:
    """An edited or deleted message (or its delivery state): the watching consoles' copy
    replaced in place."""
    conversation = message.conversation
    message_html = render_each_language(
        "console/oob_message_changed.html", {"message": message, "conversation": conversation}
    )
    transport.publish([(console_conversation_group(conversation.pk), console_event(message_html))])


def message_delivery_changed(*, message_id: int) -> None:
    """A channel sent, delivered or failed to send a message: the consoles watching its
    conversation redraw it (its state, a failure's Retry button). Visitors hear nothing."""
    message = support_selectors.message_get_for_console(message_id=message_id)
    if message is not None:
        message_changed(message=message)


def note_created(*, note_id: int) -> None:
    """An internal note: to the consoles watching its conversation and to the agents it
    mentions. Never to a visitor group."""
    note = support_selectors.note_get_for_console(note_id=note_id)
    if note is None:
        return
    conversation = note.conversation
    note_html = render_each_language(
        "console/oob_note.html", {"note": note, "conversation": conversation}
    )
    outgoing = [(console_conversation_group(conversation.pk), console_event(note_html))]
    mention_html = render_to_string(
        "console/oob_notify.html",
        {"kind": "mention", "conversation": conversation, "note": note},
    )
    outgoing += [
        (console_agent_group(user.pk), console_event(mention_html)) for user in note.mentions.all()
    ]
    transport.publish(outgoing)


def conversation_changed(conversation, *, previous: dict | None = None) -> None:
    """Status, assignee, priority, labels… changed: the header and the inbox row. `previous`
    (team_id, assignee_id before a move) names the groups whose consoles withdraw the row."""
    also_to = conversation_groups(**previous) if previous else ()
    transport.publish(conversation_events(conversation, header=True, also_to=also_to))


def watch_started(*, conversation_id: int, language: str, header_state) -> tuple[str, dict] | None:
    """For a console socket that starts watching a conversation: its header (in `language`;
    "" when the page shows this one already, `header_state` being conversation_header's) and
    its inbox part (conversation_events) as they are now. A change committed between the
    page's render and the `watch`, or while the socket was away, reached no group the socket
    was in; an unchanged header is not swapped under an open menu."""
    conversation = support_selectors.conversation_get_for_inbox_row(conversation_id=conversation_id)
    if conversation is None:
        return None
    with translation.override(language):
        header = presenters.conversation_header(conversation)
        header_html = "" if header["state"] == header_state else presenters.live_header_html(header)
        # For this socket alone: its language only.
        values = presenters.inbox_row_values(conversation)
        row = {language: presenters.live_inbox_row_html(conversation, values)}
    return header_html, _inbox_part(conversation, languages=[language], html=row, notify={})


def conversation_updated(*, conversation_id: int) -> None:
    """As conversation_changed, for a conversation known by its id."""
    conversation = support_selectors.conversation_get_for_inbox_row(conversation_id=conversation_id)
    if conversation is not None:
        conversation_changed(conversation)


def read_marked(mark: dict) -> None:
    """A read mark moved (`mark`: read_mark.moved's data, support.events). The visitor's: the
    watching consoles' "Seen". The agent's: the consoles showing the conversation's row (its
    team and assignee, read with the mark) drop its unread mark (the row is not sent again),
    but the socket that sent the mark (ConsoleConsumer.console_inbox_read)."""
    conversation_id = mark["conversation_id"]
    if mark["reader"] == "visitor":
        seen_html = render_to_string("console/oob_seen.html", {"up_to": mark["up_to"]})
        transport.publish([(console_conversation_group(conversation_id), console_event(seen_html))])
        return
    event = {
        "type": "console.inbox_read",
        "conversation_id": conversation_id,
        "up_to": mark["up_to"],
        "html": render_to_string("console/oob_read.html", {"conversation_id": conversation_id}),
    }
    groups = conversation_groups(team_id=mark["team_id"], assignee_id=mark["assignee_id"])
    transport.publish([(group, event) for group in groups])


_TYPING_MARK = "\x1f"


@lru_cache(maxsize=8)
def _typing_pieces(language: str, state: bool) -> tuple[str, str]:
    html = render_to_string(
        "console/oob_typing.html",
        {"conversation_id": _TYPING_MARK, "state": state, "who": "visitor"},
    )
    head, _mark, tail = html.partition(_TYPING_MARK)
    return head, tail


def typing_html(*, conversation_id: int, state: bool) -> str:
    """The visitor's typing indicator, in this thread's language (the socket's agent's): the
    template rendered once per language and state, the conversation's id put in (each typing
    event reaches every socket watching the conversation)."""
    key = (translation.get_language(), bool(state))
    head, tail = pieces.pieces_for(_typing_pieces, *key)
    return f"{head}{int(conversation_id)}{tail}"


def console_sign_in_ended(*, user_id: int, session_key: str | None = None) -> None:
    """Close the user's open consoles: the one of `session_key` (a sign-out), or all of them
    (the account was deactivated). Channels checks a socket's session only when it connects."""
    event = {"type": "console.sign_in_ended", "session_key": session_key}
    transport.publish([(console_agent_group(user_id), event)])


def console_present(profile, language: str) -> None:
    """A console socket's heartbeat: its agent is there (automatic assignment) and its language
    is spoken (languages_in_use)."""
    support_services.agent_heartbeat(profile=profile)
    languages_in_use.languages.spoken(language)


def console_heartbeat_request(*, user_id: int) -> None:
    """One of the user's consoles closed: the others say they are still there."""
    transport.publish([(console_agent_group(user_id), {"type": "console.heartbeat"})])
